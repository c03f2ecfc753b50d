/* The facilitator's pages: the item editor (SortableJS drag plus up/down buttons),
   confirmations, and polls that skip unchanged answers.
   Everything here is an enhancement: every form also works without JavaScript. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // forms that ask before they post (deleting a round)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // a poll whose answer is unchanged (or a bare 304) swaps nothing, so screen readers stay quiet
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.xhr.status === 304) {
      detail.shouldSwap = false;
      return;
    }
    var target = detail.target;
    if (target && target.hasAttribute("data-skip-same") &&
        target.innerHTML.trim() === detail.xhr.responseText.trim()) {
      detail.shouldSwap = false;
    }
  });

  var list = document.querySelector("[data-item-rows]");
  if (!list) {
    return;
  }
  var form = list.closest("form");
  var announcer = document.getElementById("move-announcer");
  var unsaved = form.querySelector(".unsaved");
  var dirty = false;
  var submitting = false;

  function rows() {
    return Array.prototype.slice.call(list.querySelectorAll(":scope > .item-row"));
  }

  function announce(text) {
    if (!announcer) { return; }
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function markDirty() {
    dirty = true;
    if (unsaved) { unsaved.hidden = false; }
  }

  // WTForms reads rows in the order of their index: items-0-..., items-1-...
  function renumber() {
    rows().forEach(function (row, index) {
      row.querySelectorAll("[name], [id], [for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/^items-\d+-/, "items-" + index + "-")); }
        });
      });
      row.querySelectorAll(".item-number").forEach(function (el) { el.textContent = String(index + 1); });
      row.querySelectorAll("button[data-row-action]").forEach(function (button) {
        button.value = button.dataset.rowAction + "-" + index;
      });
    });
  }

  function titleOf(row) {
    var input = row.querySelector("input[name$='-title']");
    return (input && input.value.trim()) || list.dataset.unnamed;
  }

  function announceMove(row) {
    var place = rows().indexOf(row) + 1;
    announce(list.dataset.moved.replace("{title}", titleOf(row)).replace("{place}", String(place)));
  }

  function blankRow() {
    var row = rows()[rows().length - 1].cloneNode(true);
    row.querySelectorAll("input").forEach(function (input) { input.value = ""; input.removeAttribute("aria-invalid"); });
    row.querySelectorAll(".error").forEach(function (el) { el.remove(); });
    return row;
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-row-action]");
    if (!button) { return; }
    event.preventDefault();
    var row = button.closest(".item-row");
    var action = button.dataset.rowAction;
    if (action === "up" && row.previousElementSibling) {
      list.insertBefore(row, row.previousElementSibling);
    } else if (action === "down" && row.nextElementSibling) {
      list.insertBefore(row.nextElementSibling, row);
    } else if (action === "remove") {
      var next = row.nextElementSibling || row.previousElementSibling;
      if (!next) {
        list.appendChild(blankRow());
        next = row.nextElementSibling;
      }
      row.remove();
      renumber();
      markDirty();
      next.querySelector("input[name$='-title']").focus();
      announce(list.dataset.removed);
      return;
    } else {
      return;
    }
    renumber();
    markDirty();
    button.focus();  // moving the row took the focus away from the button
    announceMove(row);
  });

  var addButton = form.querySelector("[data-add-row]");
  if (addButton) {
    addButton.addEventListener("click", function (event) {
      event.preventDefault();
      var row = blankRow();
      list.appendChild(row);
      renumber();
      row.querySelector("input[name$='-title']").focus();
    });
  }

  if (window.Sortable) {
    window.Sortable.create(list, {
      handle: ".drag-handle",
      animation: 150,
      onEnd: function (event) {
        renumber();
        markDirty();
        announceMove(event.item);
      }
    });
  }

  form.addEventListener("input", markDirty);
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
