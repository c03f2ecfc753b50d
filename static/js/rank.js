/* The phone's ballot: drag and drop (SortableJS, touch via a handle), move buttons
 * for keyboards and screen readers (announced in an aria-live region), and the
 * list order posted as hidden inputs ranking=<item id> (the htmx "sortable"
 * pattern). Without this script the form still works: each item has a place
 * select, and those are what gets posted.
 *
 * Top-k rounds have two lists, "Mijn top k" and "Niet gekozen"; only the first
 * is posted, and it never holds more than k items (the overflow moves down).
 *
 * Keyboard: the move buttons of one item at a time are in the tab order (a roving
 * tabindex), so Tab goes from the list straight on to "Verstuur"; the arrow keys
 * go from item to item (up, down) and between ▲ and ▼ (left, right). A moved item
 * keeps focus on the button that moved it: at the top ▲ stays where it is,
 * marked aria-disabled, and a further press only says so. A tap-in-order mode
 * ranks a long list by tapping the items, the most important first.
 * After a ballot is received, the confirmation is scrolled into view and focused.
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
    form.querySelectorAll(".rank-place input").forEach(function (input) {
      input.disabled = true;
    });
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var current = null; // the item whose move buttons are in the tab order

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
      if (!current || all.indexOf(current) < 0) current = all[0] || null;
      all.forEach(function (item, index) {
        // aria-disabled, not disabled: a disabled button would lose the keyboard's focus
        var up = item.querySelector('[data-move="up"]');
        var down = item.querySelector('[data-move="down"]');
        up.setAttribute("aria-disabled", String(index === 0 && top.length > 0));
        down.setAttribute("aria-disabled", String(index === all.length - 1));
        up.tabIndex = down.tabIndex = item === current ? 0 : -1;
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

    function allItems() {
      return items(chosen).concat(items(rest));
    }

    function say(message) {
      if (!live) return;
      // the same words twice in a row are announced again only after a change
      live.textContent = live.textContent === message ? message + "\u00a0" : message;
    }

    form.addEventListener("click", function (event) {
      var skip = event.target.closest("[data-skip-to-send]");
      if (skip) {
        event.preventDefault();
        var send = form.querySelector("#send-ballot");
        if (send) { send.scrollIntoView({ block: "center" }); send.focus(); }
        return;
      }
      var button = event.target.closest("button[data-move]");
      if (!button || !form.contains(button)) {
        var tapped = tapMode && event.target.closest(".rank-item");
        if (tapped && form.contains(tapped)) tap(tapped);
        return;
      }
      event.preventDefault();
      var item = button.closest(".rank-item");
      var direction = button.dataset.move;
      current = item;
      if (button.getAttribute("aria-disabled") === "true") {
        say(format(direction === "up" ? form.dataset.msgTop : form.dataset.msgBottom, { title: item.dataset.title }));
        return;
      }
      move(item, direction);
      sync(item);
      // moving a node can drop its focus: keep the keyboard on the very same button
      button.focus();
      announce(item);
      markChanged();
    });

    form.addEventListener("focusin", function (event) {
      var button = event.target.closest && event.target.closest("button[data-move]");
      if (!button) return;
      var item = button.closest(".rank-item");
      if (item === current) return;
      current = item;
      sync(null);
    });

    form.addEventListener("keydown", function (event) {
      var item = event.target.closest && event.target.closest(".rank-item");
      if (!item || !form.contains(item)) return;
      if (tapMode && event.target === item && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        tap(item);
        return;
      }
      var button = event.target.closest("button[data-move]");
      if (!button) return;
      var all = allItems();
      var index = all.indexOf(item);
      var target = null;
      var direction = button.dataset.move;
      if (event.key === "ArrowUp") target = all[index - 1];
      else if (event.key === "ArrowDown") target = all[index + 1];
      else if (event.key === "Home") target = all[0];
      else if (event.key === "End") target = all[all.length - 1];
      else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        target = item;
        direction = event.key === "ArrowLeft" ? "up" : "down";
      } else return;
      event.preventDefault();
      if (!target) return;
      current = target;
      sync(null);
      target.querySelector('[data-move="' + direction + '"]').focus();
    });

    // tap in order: the first item tapped goes to place 1, the next to place 2, …
    var tapMode = false;
    var tapCount = 0;
    var tapToggle = form.querySelector("[data-tap-toggle]");
    var goal = k || total;

    function setTapMode(on) {
      tapMode = on;
      tapCount = 0;
      form.classList.toggle("tap-mode", on);
      allItems().forEach(function (item) {
        item.classList.remove("is-tapped");
        if (on) { item.tabIndex = 0; item.setAttribute("aria-describedby", "tap-help"); }
        else { item.removeAttribute("tabindex"); item.removeAttribute("aria-describedby"); }
      });
      if (tapToggle) {
        tapToggle.setAttribute("aria-pressed", String(on));
        tapToggle.textContent = on ? form.dataset.msgTapStop : form.dataset.msgTapStart;
      }
      var help = form.querySelector("#tap-help");
      if (help) help.hidden = !on;
      say(on ? form.dataset.msgTapOn : "");
    }

    function tap(item) {
      if (item.classList.contains("is-tapped")) return;
      var top = items(chosen);
      chosen.insertBefore(item, top[tapCount] || null);
      item.classList.add("is-tapped");
      tapCount += 1;
      sync(item);
      announce(item);
      markChanged();
      if (tapCount >= goal || (!k && tapCount >= total - 1)) {
        setTapMode(false);
        say(form.dataset.msgTapDone);
        var send = form.querySelector("#send-ballot");
        if (send) send.focus();
      } else {
        var next = allItems().filter(function (other) { return !other.classList.contains("is-tapped"); })[0];
        if (next && document.activeElement === item) next.focus();
      }
    }

    if (tapToggle) {
      tapToggle.addEventListener("click", function () { setTapMode(!tapMode); });
    }

    withSortable(function () {
      var options = {
        handle: ".rank-handle",
        draggable: ".rank-item",
        animation: reduceMotion ? 0 : 150,
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
    });
    sync(null);
  }

  // SortableJS is fetched only once the page works: the buttons need none of it, and on
  // slow venue Wi-Fi its 14 KB would otherwise delay the first paint (see bench/pageweight.py)
  var sortableSrc = document.currentScript && document.currentScript.dataset.sortable;
  var waiting = [];
  function withSortable(callback) {
    if (window.Sortable) { callback(); return; }
    if (!sortableSrc) return;
    waiting.push(callback);
    if (waiting.length > 1) return;
    var script = document.createElement("script");
    script.src = sortableSrc;
    script.onload = function () {
      var ready = waiting;
      waiting = [];
      ready.forEach(function (run) { run(); });
    };
    script.onerror = function () { waiting = []; };
    document.head.appendChild(script);
  }

  function scan(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("form.ballot")) initBallot(scope);
    scope.querySelectorAll("form.ballot").forEach(initBallot);
  }

  // a ballot just received: bring its confirmation into view and give it the focus
  function showConfirmation(event) {
    var confirmation = document.querySelector("[data-just-received]");
    var xhr = event && event.detail && event.detail.xhr;
    if (!confirmation && xhr && (xhr.status === 409 || xhr.status === 422)) {
      // a refused ballot: its reason is on top of the list, so bring that into view instead
      confirmation = document.querySelector("#ballot-error");
      if (confirmation) confirmation.tabIndex = -1;
    }
    if (!confirmation) return;
    confirmation.removeAttribute("data-just-received");
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    confirmation.scrollIntoView({ block: "start", behavior: reduce ? "auto" : "smooth" });
    confirmation.focus({ preventScroll: true });
  }
  // after htmx's own settling, which would otherwise put focus back on the button
  document.addEventListener("htmx:afterSettle", showConfirmation);

  if (window.htmx) {
    window.htmx.onLoad(scan);
  } else {
    document.addEventListener("DOMContentLoaded", function () { scan(document); });
  }
})();
