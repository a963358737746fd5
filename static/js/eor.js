// Small progressive enhancements. No inline scripts anywhere (Content-Security-Policy).
document.addEventListener("DOMContentLoaded", () => {
  // Auto-submit selects marked data-autosubmit when htmx is not there to do it.
  document.querySelectorAll("select[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => { if (!window.htmx) el.form.submit(); });
  });
});
