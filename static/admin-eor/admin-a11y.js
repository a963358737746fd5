// Accessibility fixes for widgets the stock Django admin builds in JavaScript or renders
// without labels (found by the axe test, tests/browser/test_accessibility.py).
(function () {
  "use strict";

  function fix(root) {
    // SelectFilter2's magnifier icons carry aria-label on a plain span: name them as images.
    root.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach(function (el) {
      el.setAttribute("role", "img");
    });
    // Split date/time inputs ("Datum: [ ] Tid: [ ]") have no <label>: name each from the
    // field's label and its own caption.
    root.querySelectorAll("p.datetime").forEach(function (p) {
      var row = p.closest(".form-row, .fieldBox, div");
      var label = row && row.querySelector("label");
      var field = label ? label.textContent.replace(/:\s*$/, "").trim() : "";
      p.querySelectorAll("input").forEach(function (input) {
        if (input.labels && input.labels.length) return;
        if (input.getAttribute("aria-label")) return;
        var caption = input.previousSibling;
        while (caption && caption.nodeType !== 3) caption = caption.previousSibling;
        var text = caption ? caption.textContent.replace(/:\s*$/, "").trim() : "";
        input.setAttribute("aria-label", [field, text].filter(Boolean).join(" – "));
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { fix(document); });
  // SelectFilter2 builds its widgets on window load, after us.
  new MutationObserver(function () { fix(document); }).observe(document.documentElement, { childList: true, subtree: true });
})();
