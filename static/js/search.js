/* Autocomplete for the search boxes: the ARIA 1.2 combobox pattern with a listbox popup.
   Progressive enhancement: without this script each box is a plain GET form to the results page.
   Suggestions come from the form's data-suggest-url ({"results": [{title, name, kind, url}]});
   they are written with textContent only, never as HTML. */
(function () {
  "use strict";

  var DEBOUNCE_MS = 150;
  var MIN_LENGTH = 2;

  function describe(item) {
    // The entry's title, or how the matching name relates to it.
    if (item.kind === "title") {
      return "";
    }
    return item.kind + " of " + item.title;
  }

  function enhance(form) {
    var input = form.querySelector("input[name=q]");
    var suggestUrl = form.getAttribute("data-suggest-url");
    if (!input || !suggestUrl || !window.fetch) {
      return;
    }
    var field = input.parentNode;
    var listId = input.id + "-suggestions";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    field.appendChild(list);

    // Screen readers hear how many suggestions arrived without leaving the input.
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    field.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var items = [];
    var active = -1;
    var timer = null;
    var controller = null;

    function option(index) {
      return document.getElementById(listId + "-" + index);
    }

    function setActive(index) {
      if (active >= 0 && option(active)) {
        option(active).setAttribute("aria-selected", "false");
      }
      active = index;
      if (active >= 0) {
        var chosen = option(active);
        chosen.setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", chosen.id);
        chosen.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function close() {
      setActive(-1);
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function open() {
      if (items.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    function go(index) {
      window.location.assign(items[index].url);
    }

    function render(results) {
      items = results;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      list.textContent = "";
      results.forEach(function (item, index) {
        var li = document.createElement("li");
        li.id = listId + "-" + index;
        li.className = "suggestion";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.className = "suggestion-name";
        name.textContent = item.name;
        li.appendChild(name);
        var detail = describe(item);
        if (detail) {
          var note = document.createElement("span");
          note.className = "suggestion-detail";
          note.textContent = detail;
          li.appendChild(note);
        }
        // Keep focus in the input when an option is pressed, so the click lands.
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
        });
        li.addEventListener("click", function () {
          go(index);
        });
        list.appendChild(li);
      });
      if (results.length) {
        open();
        status.textContent =
          results.length + (results.length === 1 ? " suggestion" : " suggestions") + ". Use the up and down arrows to choose.";
      } else {
        close();
        status.textContent = "";
      }
    }

    function fetchSuggestions() {
      var query = input.value.trim();
      if (controller) {
        controller.abort();
        controller = null;
      }
      if (query.length < MIN_LENGTH) {
        render([]);
        return;
      }
      controller = window.AbortController ? new AbortController() : null;
      window
        .fetch(suggestUrl + (suggestUrl.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query), {
          headers: { Accept: "application/json" },
          signal: controller ? controller.signal : undefined,
        })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          // An answer to an older query is useless once the reader has typed on.
          if (input.value.trim() === query) {
            render(data.results || []);
          }
        })
        .catch(function () {
          // Aborted or offline: the form still submits to the results page.
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DEBOUNCE_MS);
    });

    input.addEventListener("keydown", function (event) {
      var expanded = !list.hidden;
      switch (event.key) {
        case "ArrowDown":
          if (!items.length) {
            return;
          }
          event.preventDefault();
          if (!expanded) {
            open();
          }
          setActive(active + 1 < items.length ? active + 1 : 0);
          break;
        case "ArrowUp":
          if (!items.length) {
            return;
          }
          event.preventDefault();
          if (!expanded) {
            open();
          }
          setActive(active > 0 ? active - 1 : items.length - 1);
          break;
        case "Enter":
          if (expanded && active >= 0) {
            event.preventDefault();
            go(active);
          }
          break;
        case "Escape":
          if (expanded) {
            event.preventDefault();
            close();
          } else if (input.value) {
            event.preventDefault();
            input.value = "";
            render([]);
          }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });

    input.addEventListener("blur", close);
    input.addEventListener("focus", function () {
      if (items.length && input.value.trim().length >= MIN_LENGTH) {
        open();
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-suggest-url]"), enhance);
})();
