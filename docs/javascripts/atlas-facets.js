/* Sorting and filtering of the faceted paper list (browse page), entirely in the browser.
 *
 * The table is complete without JavaScript. This script shows the filter form, makes the
 * header buttons sort the rows (aria-sort on the header cell says how), and hides rows that
 * do not match every filter. Rows carry their values in data-* attributes; nothing is parsed
 * as HTML. Works with Material's instant navigation (document$) and without it.
 */
(function () {
  "use strict";

  function compare(a, b, key, type) {
    var x = a.getAttribute("data-" + key) || "";
    var y = b.getAttribute("data-" + key) || "";
    if (type === "number") {
      return (x === "" ? -Infinity : Number(x)) - (y === "" ? -Infinity : Number(y));
    }
    return x < y ? -1 : x > y ? 1 : 0;
  }

  function setup(table) {
    if (table.getAttribute("data-ready")) return;
    var root = table.closest(".atlas-browse") || document;
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var form = root.querySelector("[data-atlas-filters]");
    var status = root.querySelector("[data-atlas-status]");
    var controls = form ? Array.prototype.slice.call(form.querySelectorAll("[data-filter]")) : [];

    function sortBy(button) {
      var th = button.closest("th");
      var key = button.getAttribute("data-sort");
      var type = button.getAttribute("data-type");
      // First press: dates and numbers descending (newest, most first), text ascending.
      var current = th.getAttribute("aria-sort");
      var dir = current === "ascending" ? "descending" : current === "descending" ? "ascending"
        : (type === "number" || key === "date") ? "descending" : "ascending";
      var sign = dir === "ascending" ? 1 : -1;
      var sorted = rows.slice().sort(function (a, b) {
        // Rows without a value stay last in both directions.
        var ea = (a.getAttribute("data-" + key) || "") === "";
        var eb = (b.getAttribute("data-" + key) || "") === "";
        if (ea !== eb) return ea ? 1 : -1;
        var c = sign * compare(a, b, key, type);
        return c !== 0 ? c : compare(a, b, "id", "text");
      });
      sorted.forEach(function (r) { tbody.appendChild(r); });
      Array.prototype.forEach.call(table.querySelectorAll("thead th"), function (h) {
        h.removeAttribute("aria-sort");
      });
      th.setAttribute("aria-sort", dir);
      table.setAttribute("data-sorted", key + " " + dir);
    }

    function applyFilters() {
      var shown = 0;
      rows.forEach(function (row) {
        var ok = controls.every(function (c) {
          var want = c.value.trim().toLowerCase();
          if (!want) return true;
          var have = row.getAttribute("data-" + c.getAttribute("data-filter")) || "";
          if (c.getAttribute("data-filter") === "text") return have.indexOf(want) !== -1;
          return have.split(" ").indexOf(want) !== -1;
        });
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      if (status) {
        status.textContent = shown === rows.length
          ? rows.length + " papers."
          : shown + " of " + rows.length + " papers match the filters.";
      }
      table.setAttribute("data-shown", String(shown));
    }

    Array.prototype.forEach.call(table.querySelectorAll("thead button[data-sort]"), function (b) {
      b.addEventListener("click", function () { sortBy(b); });
    });
    if (form) {
      form.hidden = false;
      form.addEventListener("input", applyFilters);
      form.addEventListener("change", applyFilters);
      form.addEventListener("submit", function (e) { e.preventDefault(); });
      form.addEventListener("reset", function () { setTimeout(applyFilters, 0); });
    }
    applyFilters();
    table.setAttribute("data-ready", "true");
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table[data-atlas-sortable]"), setup);
  }

  if (window.document$ && window.document$.subscribe) {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
