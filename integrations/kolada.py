"""A small client for Kolada's public API v3 (municipal key figures, https://api.kolada.se/v3).

One data route is used: ``/v3/data/kpi/{kpis}/municipality/{ids}/year/{years}`` with
comma-separated lists. A response page looks like::

    {"count": 2,
     "values": [{"kpi": "N31807", "municipality": "1287", "period": 2018,
                 "values": [{"gender": "T", "count": 1, "status": "", "value": 4.1,
                             "isdeleted": false}, ...]}],
     "next_url": "https://api.kolada.se/v3/...&page=2"}

``next_url`` is null (or absent) on the last page. A value flagged ``isdeleted`` was withdrawn
by Kolada and is skipped. Genders are ``T`` (total), ``K`` (women), ``M`` (men).

The HTTP transport is injectable (a callable from URL to parsed JSON), so tests run against
recorded responses and nothing here needs the network. Every shape error names the place in
the response where it was found (``sida 2, values[3].values[0].gender``).
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

BASE_URL = "https://api.kolada.se/v3"
# Kolada refuses longer year lists than this in one request.
MAX_YEARS_PER_REQUEST = 25
# A server that keeps answering with a next page is a bug; stop rather than loop forever.
MAX_PAGES = 500

KPI_RE = re.compile(r"^[A-Z]\d{5}$")
# A municipality ("1287"), the country ("0000"), a region ("0012") or a municipality group.
MUNICIPALITY_RE = re.compile(r"^(\d{4}|G\d{1,7})$")
GENDERS = ("T", "K", "M")
MIN_YEAR, MAX_YEAR = 1990, 2100

Transport = Callable[[str], Any]


class KoladaError(Exception):
    """Kolada answered something we cannot use (HTTP error, bad JSON, wrong shape)."""


@dataclass(frozen=True)
class KoladaValue:
    kpi: str
    municipality: str
    year: int
    gender: str
    value: Decimal | None
    status: str
    count: int | None

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.kpi, self.municipality, self.year, self.gender)


def validate_kpi(kpi: str) -> str:
    kpi = kpi.strip().upper()
    if not KPI_RE.match(kpi):
        raise KoladaError(
            f"Okänt nyckeltals-id {kpi!r}: Koladas id är en bokstav och fem siffror (t.ex. N31807)."
        )
    return kpi


def parse_years(text: str) -> list[int]:
    """'2017-2024' or '2017,2019' (or a mix) into a sorted list of years."""
    years: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        match = re.fullmatch(r"(\d{4})(?:\s*-\s*(\d{4}))?", part)
        if not match:
            raise KoladaError(f"Ogiltigt år {part!r}: ange t.ex. 2017-2024 eller 2017,2018.")
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if first > last:
            raise KoladaError(f"Ogiltigt årsintervall {part!r}: första året är efter det sista.")
        if first < MIN_YEAR or last > MAX_YEAR:
            raise KoladaError(f"Året ligger utanför {MIN_YEAR}–{MAX_YEAR}: {part!r}.")
        years.update(range(first, last + 1))
    if not years:
        raise KoladaError("Inga år angivna.")
    return sorted(years)


def data_urls(
    kpis: Sequence[str], municipalities: Sequence[str], years: Sequence[int], *, base=BASE_URL
) -> list[str]:
    """The first-page URLs that together ask for every kpi × municipality × year."""
    if not kpis or not municipalities or not years:
        raise KoladaError("Ange minst ett nyckeltal, en kommun och ett år.")
    for code in municipalities:
        if not MUNICIPALITY_RE.match(code):
            raise KoladaError(f"Ogiltig kommunkod {code!r}: Koladas kommunkoder har fyra siffror.")
    ordered = sorted(years)
    chunks = [
        ordered[i : i + MAX_YEARS_PER_REQUEST]
        for i in range(0, len(ordered), MAX_YEARS_PER_REQUEST)
    ]
    kpi_part = ",".join(validate_kpi(k) for k in kpis)
    ids = ",".join(municipalities)
    return [
        f"{base}/data/kpi/{kpi_part}/municipality/{ids}/year/{','.join(map(str, chunk))}"
        for chunk in chunks
    ]


def _fail(where: str, message: str) -> KoladaError:
    return KoladaError(f"{where}: {message}")


def _year(raw: Any, where: str) -> int:
    if isinstance(raw, bool):
        raise _fail(where, "period ska vara ett år")
    if isinstance(raw, int):
        year = raw
    elif isinstance(raw, str) and re.fullmatch(r"\d{4}", raw.strip()):
        year = int(raw.strip())
    else:
        raise _fail(where, f"period ska vara ett år (fyra siffror), fick {raw!r}")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _fail(where, f"året {year} ligger utanför {MIN_YEAR}–{MAX_YEAR}")
    return year


def _number(raw: Any, where: str) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise _fail(where, f"value ska vara ett tal eller null, fick {raw!r}")
    try:
        number = Decimal(str(raw))
    except InvalidOperation:
        raise _fail(where, f"value ska vara ett tal eller null, fick {raw!r}") from None
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise _fail(where, f"value är inte ett rimligt tal: {raw!r}")
    return number.quantize(Decimal("0.0001"))


def parse_page(payload: Any, *, page: int = 1) -> tuple[list[KoladaValue], str | None]:
    """The non-deleted values of one response page and the next page's URL (or None)."""
    where = f"sida {page}"
    if not isinstance(payload, dict):
        raise _fail(where, "svaret ska vara ett JSON-objekt med nyckeln 'values'")
    rows = payload.get("values")
    if not isinstance(rows, list):
        raise _fail(where, "nyckeln 'values' saknas eller är inte en lista")
    next_url = payload.get("next_url")
    if next_url is not None and (not isinstance(next_url, str) or not next_url.strip()):
        raise _fail(where, "next_url ska vara en URL eller null")
    out: list[KoladaValue] = []
    for i, row in enumerate(rows):
        at = f"{where}, values[{i}]"
        if not isinstance(row, dict):
            raise _fail(at, "raden ska vara ett objekt")
        kpi = row.get("kpi")
        if not isinstance(kpi, str) or not KPI_RE.match(kpi):
            raise _fail(at, f"kpi ska vara ett nyckeltals-id som N31807, fick {kpi!r}")
        municipality = row.get("municipality")
        if not isinstance(municipality, str) or not MUNICIPALITY_RE.match(municipality):
            raise _fail(at, f"municipality ska vara en kommunkod, fick {municipality!r}")
        year = _year(row.get("period"), at)
        if row.get("isdeleted") is True:  # a whole row withdrawn by Kolada
            continue
        values = row.get("values")
        if not isinstance(values, list):
            raise _fail(at, "values ska vara en lista")
        for j, item in enumerate(values):
            at_item = f"{at}.values[{j}]"
            if not isinstance(item, dict):
                raise _fail(at_item, "värdet ska vara ett objekt")
            if item.get("isdeleted") is True:
                continue
            gender = item.get("gender")
            if gender not in GENDERS:
                raise _fail(at_item, f"gender ska vara T, K eller M, fick {gender!r}")
            count = item.get("count")
            if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
                raise _fail(at_item, f"count ska vara ett heltal, fick {count!r}")
            status = item.get("status") or ""
            if not isinstance(status, str) or len(status) > 32:
                raise _fail(at_item, f"status ska vara en kort text, fick {status!r}")
            out.append(
                KoladaValue(
                    kpi=kpi,
                    municipality=municipality,
                    year=year,
                    gender=gender,
                    value=_number(item.get("value"), at_item),
                    status=status,
                    count=count,
                )
            )
    return out, (next_url.strip() if next_url else None)


def parse_pages(pages: Iterable[Any]) -> list[KoladaValue]:
    """Values of recorded pages, in order (a later page's value for the same key wins)."""
    merged: dict[tuple[str, str, int, str], KoladaValue] = {}
    for number, payload in enumerate(pages, start=1):
        values, _next = parse_page(payload, page=number)
        for value in values:
            merged[value.key] = value
    return list(merged.values())


def load_saved_response(text: str) -> list[KoladaValue]:
    """A saved response: one page object (its last page: next_url null) or a list of pages."""
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KoladaError(
            f"Filen är inte giltig JSON (rad {exc.lineno}, kolumn {exc.colno}): {exc.msg}."
        ) from None
    if isinstance(payload, list):
        if not payload:
            raise KoladaError("Filen innehåller en tom lista: inga sidor att läsa.")
        pages = payload
    else:
        pages = [payload]
    # A saved single page that points onward holds only part of the answer.
    last = pages[-1]
    if isinstance(last, dict) and last.get("next_url"):
        raise KoladaError(
            f"sida {len(pages)}: next_url pekar på fler sidor som inte finns i filen. "
            "Spara alla sidor som en JSON-lista, eller hämta direkt från Kolada."
        )
    return parse_pages(pages)


def urllib_transport(url: str, *, timeout: float = 30.0) -> Any:
    """GET a URL and parse its JSON body (the default transport)."""
    if not url.startswith("https://"):
        raise KoladaError(f"Vägrar hämta från en adress som inte är https: {url!r}")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except OSError as exc:  # URLError, HTTPError and timeouts are all OSErrors
        raise KoladaError(f"Kunde inte hämta {url}: {exc}") from None
    try:
        return json.loads(body)
    except ValueError:
        raise KoladaError(f"Kolada svarade inte med JSON på {url}.") from None


class KoladaClient:
    def __init__(self, transport: Transport | None = None, *, base_url: str = BASE_URL):
        self.transport = transport or urllib_transport
        self.base_url = base_url.rstrip("/")

    def fetch(
        self, *, kpis: Sequence[str], municipalities: Sequence[str], years: Sequence[int]
    ) -> list[KoladaValue]:
        """Every non-deleted value, following next_url until the last page."""
        merged: dict[tuple[str, str, int, str], KoladaValue] = {}
        page = 0
        for url in data_urls(kpis, municipalities, years, base=self.base_url):
            seen: set[str] = set()
            next_url: str | None = url
            while next_url:
                page += 1
                if next_url in seen or page > MAX_PAGES:
                    raise KoladaError(f"sida {page}: Kolada pekar tillbaka på en redan läst sida.")
                seen.add(next_url)
                values, next_url = parse_page(self.transport(next_url), page=page)
                for value in values:
                    merged[value.key] = value
        return list(merged.values())
