/* The phone's ballot: drag and drop (SortableJS, touch via a handle), move buttons
 * for keyboards and screen readers (announced in an aria-live region), and the
 * list order posted as hidden inputs ranking=<item id> (the htmx "sortable"
 * pattern). Without this script the form still works: each item has a place
 * select, and those are what gets posted.
 *
 * Top-k rounds have two lists, "Mijn top k" and "Niet gekozen"; only the first
 * is posted, and it never holds more than k items (the overflow moves down).
 */
(function () {
  "use strict";

  function format(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : match;
    });
  }

  function initBallot(form) {
    if (form.dataset.rankReady) return;
    form.dataset.rankReady = "1";
    var chosen = form.querySelector('[data-rank-list="chosen"]');
    var rest = form.querySelector('[data-rank-list="rest"]');
    var k = parseInt(form.dataset.topK, 10) || 0;
    var total = parseInt(form.dataset.total, 10) || 0;
    var live = form.querySelector("[data-rank-live]");
    var counter = form.querySelector("[data-rank-counter]");
    var changed = form.querySelector("[data-rank-changed]");
    if (!chosen) return;
    form.classList.add("js-ready");
    // the selects are the path without JavaScript; with it, the list order is posted
    form.querySelectorAll(".rank-place select").forEach(function (select) {
      select.disabled = true;
    });

    function items(list) {
      return list ? Array.prototype.slice.call(list.querySelectorAll(":scope > .rank-item")) : [];
    }

    function sync(keep) {
      if (k && rest) {
        while (items(chosen).length > k) {
          var last = chosen.lastElementChild;
          var victim = last === keep ? last.previousElementSibling : last;
          rest.insertBefore(victim, rest.firstElementChild);
        }
      }
      var top = items(chosen);
      var others = items(rest);
      top.forEach(function (item, index) {
        item.querySelector("[data-rank-input]").disabled = false;
        item.querySelector(".rank-no").textContent = String(index + 1);
      });
      others.forEach(function (item) {
        item.querySelector("[data-rank-input]").disabled = true;
        item.querySelector(".rank-no").textContent = "";
      });
      // an item of "Niet gekozen" can always move up: into the top k when it is first there
      var all = top.concat(others);
      all.forEach(function (item, index) {
        item.querySelector('[data-move="up"]').disabled = index === 0 && top.length > 0;
        item.querySelector('[data-move="down"]').disabled = index === all.length - 1;
      });
      if (counter) counter.textContent = "(" + format(form.dataset.msgCount, { n: top.length, k: k }) + ")";
      chosen.classList.toggle("is-empty", top.length === 0);
    }

    function announce(item) {
      var title = item.dataset.title;
      var place = items(chosen).indexOf(item) + 1;
      var message;
      if (!k) message = format(form.dataset.msgMoved, { title: title, place: place, total: total });
      else if (place > 0) message = format(form.dataset.msgChosen, { title: title, place: place, k: k });
      else message = format(form.dataset.msgUnchosen, { title: title, k: k });
      if (live) live.textContent = message;
    }

    function markChanged() {
      if (!changed) return;
      changed.textContent = form.dataset.msgChanged;
      changed.hidden = false;
    }

    function move(item, direction) {
      var inChosen = item.parentElement === chosen;
      if (direction === "up") {
        var previous = item.previousElementSibling;
        if (previous) {
          item.parentElement.insertBefore(item, previous);
        } else if (!inChosen) {
          // from the top of "Niet gekozen" into the top k; a full top k swaps its last one down
          if (items(chosen).length >= k) rest.insertBefore(chosen.lastElementChild, item.nextElementSibling);
          chosen.appendChild(item);
        }
      } else {
        var next = item.nextElementSibling;
        if (next) {
          item.parentElement.insertBefore(next, item);
        } else if (inChosen && rest) {
          rest.insertBefore(item, rest.firstElementChild);
        }
      }
    }

    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-move]");
      if (!button || !form.contains(button)) return;
      event.preventDefault();
      var item = button.closest(".rank-item");
      var direction = button.dataset.move;
      move(item, direction);
      sync(item);
      // moving a node can drop its focus: keep the keyboard where it was
      var again = item.querySelector('[data-move="' + direction + '"]');
      if (again.disabled) again = item.querySelector('[data-move="' + (direction === "up" ? "down" : "up") + '"]');
      again.focus();
      announce(item);
      markChanged();
    });

    if (window.Sortable) {
      var options = {
        handle: ".rank-handle",
        draggable: ".rank-item",
        animation: 150,
        ghostClass: "rank-ghost",
        chosenClass: "rank-dragging",
        emptyInsertThreshold: 24,
        onEnd: function (event) {
          sync(event.item);
          announce(event.item);
          markChanged();
        },
      };
      if (rest) options.group = "ballot-" + (form.querySelector('[name="round_id"]') || {}).value;
      window.Sortable.create(chosen, options);
      if (rest) window.Sortable.create(rest, options);
    }
    sync(null);
  }

  function scan(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("form.ballot")) initBallot(scope);
    scope.querySelectorAll("form.ballot").forEach(initBallot);
  }

  if (window.htmx) {
    window.htmx.onLoad(scan);
  } else {
    document.addEventListener("DOMContentLoaded", function () { scan(document); });
  }
})();
