// A real OpenID Connect provider on loopback, for the sign-in browser test (test tooling,
// never part of a deployment). It is `oidc-provider` from npm (an OpenID Certified
// implementation, pinned in package.json), configured with one confidential test client
// that must use PKCE (S256), the authorization code flow, and RS256-signed ID tokens.
//
//   npm ci && node scripts/oidc-provider.mjs --port 0 --client-id eor --client-secret S \
//       --redirect-uri http://127.0.0.1:8000/logg/oidc/callback/
//
// Prints one JSON line on stdout once it listens: {"issuer": …, "authorization_endpoint": …,
// "token_endpoint": …, "userinfo_endpoint": …, "jwks_uri": …}; the test reads it.
// Sign-in uses the library's development login form (any login name, any password): the
// login name becomes `sub` and `preferred_username`, which EOR matches to its own accounts
// (audit/oidc.py). Which of those accounts may sign in is EOR's decision, not the provider's.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'client-id': { type: 'string', default: 'eor' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
  },
});
if (!args['client-secret'] || !args['redirect-uri']) {
  console.error('usage: oidc-provider.mjs --client-secret S --redirect-uri URL [--port N]');
  process.exit(2);
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' };

function account(id) {
  return {
    accountId: id,
    async claims() {
      return { sub: id, preferred_username: id, email: `${id}@idp.test`, name: id };
    },
  };
}

const configuration = {
  clients: [
    {
      client_id: args['client-id'],
      client_secret: args['client-secret'],
      redirect_uris: args['redirect-uri'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'RS256',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name'],
    email: ['email'],
  },
  // PKCE for every client, also the confidential one (the default asks it of public ones).
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  findAccount: async (ctx, id) => account(id),
  // The test client is first-party: grant its scopes without a consent page.
  async loadExistingGrant(ctx) {
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
};

// The issuer needs the port before listening: bind first, then build the provider on it.
const server = createServer();
server.listen(Number(args.port), '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, configuration);
  provider.on('server_error', (ctx, error) => console.error('server_error', error));
  server.on('request', provider.callback());
  const base = issuer;
  console.log(
    JSON.stringify({
      issuer,
      authorization_endpoint: `${base}/auth`,
      token_endpoint: `${base}/token`,
      userinfo_endpoint: `${base}/me`,
      jwks_uri: `${base}/jwks`,
      end_session_endpoint: `${base}/session/end`,
    }),
  );
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
