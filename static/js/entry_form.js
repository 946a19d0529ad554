// The entry form (admin): the error summary's links focus their field, and code rows can be shown by system.
// A file of its own, loaded by DisorderAdmin.Media: the Content-Security-Policy allows no inline script.
"use strict";

(function () {
  // Open every <details> (collapsed fieldsets, admin's "collapse") around an element, so it can be seen and focused.
  function reveal(element) {
    for (let node = element.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") {
        node.open = true;
      }
      if (node.classList && node.classList.contains("is-filtered-out")) {
        node.classList.remove("is-filtered-out");
      }
    }
  }

  function focusTarget(id) {
    const target = document.getElementById(id);
    if (!target) {
      return false;
    }
    reveal(target);
    const focusable = target.matches("input, select, textarea, button, a[href]")
      ? target
      : target.querySelector("input:not([type=hidden]), select, textarea") || target;
    if (focusable === target && !target.matches("input, select, textarea, button, a[href]")) {
      target.setAttribute("tabindex", "-1");
    }
    focusable.focus();
    focusable.scrollIntoView({ block: "center" });
    return true;
  }

  function setUpErrorSummary() {
    const summary = document.querySelector(".error-summary");
    if (!summary) {
      return;
    }
    summary.addEventListener("click", function (event) {
      const link = event.target.closest("a[data-focus]");
      if (link && focusTarget(link.dataset.focus)) {
        event.preventDefault();
        history.replaceState(null, "", "#" + link.dataset.focus);
      }
    });
    summary.focus();
  }

  // The codes inline: buttons "All (97)", "ORPHA (1)", "ICD-10 (30)" … that show one system's rows.
  // Hidden rows stay in the form and are submitted; rows with errors are never hidden.
  function setUpCodeFilter() {
    const group = document.getElementById("codes-group");
    if (!group) {
      return;
    }
    const rows = Array.from(group.querySelectorAll("tbody tr.form-row:not(.empty-form)"));
    if (rows.length < 10) {
      return;
    }
    const systemOf = function (row) {
      const select = row.querySelector("select[name$='-system']");
      return select ? select.options[select.selectedIndex].text || "—" : "—";
    };
    const bar = document.createElement("div");
    bar.className = "code-system-filter";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Show codes of one system");
    const table = group.querySelector("table");
    table.parentNode.insertBefore(bar, table);

    function show(system) {
      rows.forEach(function (row) {
        const keep = system === null || systemOf(row) === system || row.querySelector(".errorlist");
        row.classList.toggle("is-filtered-out", !keep);
      });
      bar.querySelectorAll("button").forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.dataset.system === (system === null ? "" : system)));
      });
    }

    function build() {
      const counts = new Map();
      rows.forEach(function (row) {
        const system = systemOf(row);
        counts.set(system, (counts.get(system) || 0) + 1);
      });
      bar.replaceChildren();
      const label = document.createElement("span");
      label.textContent = "Show: ";
      bar.appendChild(label);
      const choices = [["", "All", rows.length]].concat(
        Array.from(counts.entries()).map(function (pair) { return [pair[0], pair[0], pair[1]]; })
      );
      choices.forEach(function (choice) {
        const button = document.createElement("button");
        button.type = "button";
        button.dataset.system = choice[0];
        button.textContent = choice[1] + " (" + choice[2] + ")";
        button.setAttribute("aria-pressed", String(choice[0] === ""));
        button.addEventListener("click", function () {
          build();
          show(choice[0] === "" ? null : choice[0]);
        });
        bar.appendChild(button);
      });
    }
    build();
  }

  // The admin's autocomplete (select2) draws a search box without a name; name it after its field's label.
  function nameAutocompleteSearches() {
    document.querySelectorAll(".form-row .select2-search__field:not([aria-label])").forEach(function (input) {
      const row = input.closest(".form-row");
      const label = row && row.querySelector("label");
      input.setAttribute("aria-label", "Search " + (label ? label.textContent.replace(/:$/, "").trim() : "choices"));
    });
  }

  function start() {
    setUpErrorSummary();
    setUpCodeFilter();
    nameAutocompleteSearches();
    // select2 starts on jQuery's ready and redraws its search box after each choice.
    new MutationObserver(nameAutocompleteSearches).observe(document.getElementById("content-main") || document.body, {
      childList: true,
      subtree: true,
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
