// Small progressive enhancements. No inline scripts anywhere (Content-Security-Policy).
(function () {
  "use strict";

  // Wide tables scroll inside their own box, so a phone (390 px) never scrolls the page
  // sideways. The box is a named, focusable region: a keyboard user can scroll it too (axe
  // scrollable-region-focusable). Without JavaScript the table keeps its width.
  function tableName(table) {
    var caption = table.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    if (table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    var heading = table.closest("section, details, figure, div");
    heading = heading && heading.querySelector("h2, h3, summary, figcaption");
    return heading && heading.textContent.trim() ? heading.textContent.trim() : document.title;
  }

  // A table with one header row and no merged cells can stack on a phone (CSS, 40rem):
  // each cell gets its column's name to show above its value.
  function markStackable(table) {
    if (table.classList.contains("no-stack")) return;  // rows added later get labels too
    var head = table.tHead;
    if (!head || head.rows.length !== 1 || table.querySelector("[colspan], [rowspan]")) return;
    var names = Array.prototype.map.call(head.rows[0].cells, function (cell) { return cell.textContent.trim(); });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        Array.prototype.forEach.call(row.cells, function (cell, index) {
          if (names[index] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[index]);
        });
      });
    });
    table.classList.add("stackable");
  }

  function wrapTables(root) {
    if (!root || !root.querySelectorAll) return;
    var tables = Array.prototype.slice.call(root.querySelectorAll("main table"));
    if (root.matches && root.matches("main table")) tables.push(root);
    tables.forEach(function (table) {
      markStackable(table);
      var parent = table.parentElement;
      if (!parent || parent.classList.contains("table-scroll")) return;
      var box = document.createElement("div");
      box.className = "table-scroll";
      box.setAttribute("role", "region");
      box.setAttribute("tabindex", "0");
      box.setAttribute("aria-label", tableName(table));
      parent.insertBefore(box, table);
      box.appendChild(table);
    });
  }

  // The header's disclosure menu ("Administrera"): Escape, a click or focus elsewhere closes it.
  function closeMenus(except) {
    document.querySelectorAll("details[data-nav-menu][open]").forEach(function (menu) {
      if (menu !== except) menu.open = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Auto-submit selects marked data-autosubmit when htmx is not there to do it.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { if (!window.htmx) el.form.submit(); });
    });
    wrapTables(document);
  });
  document.addEventListener("htmx:afterSettle", function () { wrapTables(document); });
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest ? event.target.closest("details[data-nav-menu]") : null);
  });
  // Tabbing past the menu's last link closes it, so it never covers the page behind.
  document.addEventListener("focusout", function (event) {
    var menu = event.target.closest ? event.target.closest("details[data-nav-menu]") : null;
    if (menu && menu.open && event.relatedTarget && !menu.contains(event.relatedTarget)) menu.open = false;
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details[data-nav-menu][open]");
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });
})();
