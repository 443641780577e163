// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Print buttons are hidden until there is a script to print with.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  setUpIdleTimer();
  setUpQuickExit(document.querySelector("[data-quick-exit]"));
  focusErrorSummary(document);
  document.addEventListener("htmx:afterSwap", function (event) { focusErrorSummary(event.target); });

  // After a failed submit the error summary takes the focus, so a screen reader reads it first
  // and its links lead to each field (USWDS, GOV.UK).
  function focusErrorSummary(root) {
    var summary = root.querySelector && root.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }

  // Leave this page quickly: the page is replaced by a neutral site at once (no Back to it),
  // and the session is ended in the background. Esc twice within a second does the same.
  function setUpQuickExit(form) {
    if (!form) { return; }
    var hint = document.getElementById("quick-exit-hint");
    var button = form.querySelector("button");
    if (hint) {
      hint.hidden = false;
      button.setAttribute("aria-describedby", hint.id);
    }
    var lastEscape = 0;
    var leaving = false;
    // The page hides at once; the neutral site replaces it (no Back to it) as soon as the server
    // has ended the session, or after a second at most: leaving never waits on a slow network.
    function leave(event) {
      if (event) { event.preventDefault(); }
      if (leaving) { return; }
      leaving = true;
      document.body.hidden = true;
      var go = function () { window.location.replace(form.dataset.quickExit); };
      window.setTimeout(go, 1000);
      if (form.method.toLowerCase() !== "post") { go(); return; }  // no session to end
      try {
        fetch(form.action, {
          method: "POST", body: new FormData(form), credentials: "same-origin",
          keepalive: true, redirect: "manual", cache: "no-store"
        }).then(go, go);
      } catch (error) { go(); }
    }
    form.addEventListener("submit", leave);
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      var now = Date.now();
      if (now - lastEscape < 1000) { leave(null); }
      lastEscape = now;
    });
  }
  document.querySelectorAll("[data-signature-pad]").forEach(setUpSignaturePad);
  setUpReadAloud(document.querySelector("[data-read-aloud]"));

  // An extra, never required: a signature drawn with a finger or mouse, kept as SVG path data
  // ("M x y L x y ...") in the form's hidden field. The typed name is what signs.
  function setUpSignaturePad(wrapper) {
    var field = document.getElementById(wrapper.dataset.signaturePad);
    var canvas = wrapper.querySelector("canvas");
    var clear = wrapper.querySelector("button");
    if (!field || !canvas || !canvas.getContext) { return; }
    wrapper.hidden = false;
    var context = canvas.getContext("2d");
    var drawing = false;
    var path = field.value ? field.value.split(" ") : [];

    function point(event) {
      var box = canvas.getBoundingClientRect();
      var x = Math.round((event.clientX - box.left) * canvas.width / box.width);
      var y = Math.round((event.clientY - box.top) * canvas.height / box.height);
      return [x, y];
    }
    function add(command, xy) {
      path.push(command + xy[0] + "," + xy[1]);
      field.value = path.join(" ");
    }
    context.lineWidth = 3;
    context.lineCap = "round";
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var xy = point(event);
      context.beginPath();
      context.moveTo(xy[0], xy[1]);
      add("M", xy);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var xy = point(event);
      context.lineTo(xy[0], xy[1]);
      context.stroke();
      add("L", xy);
    });
    ["pointerup", "pointercancel"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    clear.addEventListener("click", function () {
      context.clearRect(0, 0, canvas.width, canvas.height);
      path = [];
      field.value = "";
    });
  }

  // Warn after a quiet spell, count down, then finish (WCAG 2.2.1). The server ends the
  // session on its own at the same time, so this only ever makes things kinder, not longer.
  function setUpIdleTimer() {
    var body = document.body;
    var dialog = document.getElementById("idle-dialog");
    var warnAfter = Number(body.dataset.idleWarnAfter);
    if (!dialog || !warnAfter || typeof dialog.showModal !== "function") { return; }
    var countdownFrom = Number(body.dataset.idleCountdown) || 60;
    var remainingText = dialog.querySelector("[data-idle-remaining]");
    var announcer = dialog.querySelector("[data-idle-announce]");
    var idleTimer = null;
    var tick = null;
    var remaining = countdownFrom;

    function restartIdle() {
      if (dialog.open) { return; }  // while warning, only the buttons count as activity
      window.clearTimeout(idleTimer);
      idleTimer = window.setTimeout(warn, warnAfter * 1000);
    }

    function warn() {
      remaining = countdownFrom;
      remainingText.textContent = String(remaining);
      announcer.textContent = "";
      dialog.showModal();
      dialog.querySelector("[data-idle-continue]").focus();
      tick = window.setInterval(countDown, 1000);
    }

    function countDown() {
      remaining -= 1;
      remainingText.textContent = String(Math.max(remaining, 0));
      if (remaining === 30 || remaining === 10) {
        announcer.textContent = announcer.getAttribute("data-announce-" + remaining);
      }
      if (remaining <= 0) { finish(); }
    }

    function stayHere() {
      window.clearInterval(tick);
      if (dialog.open) { dialog.close(); }
      fetch(body.dataset.keepAliveUrl, { credentials: "same-origin", cache: "no-store" });
      restartIdle();
    }

    function finish() {
      window.clearInterval(tick);
      var signOut = document.querySelector("form.sign-out");
      if (signOut) { signOut.submit(); } else { window.location.assign(body.dataset.idleFinishUrl); }
    }

    dialog.querySelector("[data-idle-continue]").addEventListener("click", stayHere);
    dialog.querySelector("[data-idle-finish]").addEventListener("click", finish);
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); stayHere(); });
    ["keydown", "pointerdown", "input", "scroll", "touchstart"].forEach(function (name) {
      document.addEventListener(name, restartIdle, { passive: true, capture: true });
    });
    restartIdle();
  }

  // Read the page aloud with the device's own voice, in the page's language (DESIGN.md 9). Only
  // voices that run on the device (localService) count: a network voice would send the page, and
  // the personal data on it, to a speech service. The control stays hidden where there is no such
  // voice for the language, or no speechSynthesis at all.
  function setUpReadAloud(control) {
    var synth = window.speechSynthesis;
    var main = document.getElementById("main-content");
    if (!control || !main || !synth || typeof window.SpeechSynthesisUtterance !== "function") {
      return;
    }
    var button = control.querySelector("button");
    var pageLang = document.documentElement.lang || "en";
    var voices = [];
    // Which reading is under way (0: none): the late "end" of a stopped one then changes nothing.
    var reading = 0;
    var readings = 0;
    var SKIP = "script, style, template, noscript, textarea, select, option, svg, canvas, " +
      "[hidden], [aria-hidden='true'], [inert], [data-read-aloud]";
    var BLOCKS = "h1, h2, h3, h4, h5, h6, p, li, dt, dd, th, td, caption, label, legend, " +
      "summary, button, figcaption, blockquote, pre";

    function primary(tag) {
      return String(tag || "").toLowerCase().replace("_", "-").split("-")[0];
    }

    function voiceFor(lang) {
      var wanted = primary(lang);
      var own = voices.filter(function (voice) {
        return voice.localService && primary(voice.lang) === wanted;
      });
      return own.filter(function (voice) { return voice.default; })[0] || own[0] || null;
    }

    function refreshVoices() {
      voices = Array.prototype.slice.call(synth.getVoices() || []);
      var usable = voiceFor(pageLang) !== null;
      if (!usable && reading) { stop(); }
      control.hidden = !usable;
    }

    function shown(element) {
      return element.getClientRects().length > 0 &&
        getComputedStyle(element).visibility !== "hidden";
    }

    // The visible words of the main content in document order, one piece per heading, paragraph,
    // list item, cell or label (short pieces also keep long pages from cutting out in Chrome).
    function pieces() {
      var found = [];
      var last = null;
      var walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        var parent = node.parentElement;
        if (!parent || parent.closest(SKIP) || !shown(parent)) { continue; }
        var text = node.nodeValue.replace(/\s+/g, " ");
        if (!text.trim()) { continue; }
        var block = parent.closest(BLOCKS);
        if (!block || !main.contains(block)) { block = parent; }
        var holder = parent.closest("[lang]");
        var lang = holder ? holder.getAttribute("lang") : pageLang;
        if (last && last.block === block && last.lang === lang) {
          last.text += text;
        } else {
          last = { block: block, lang: lang, text: text };
          found.push(last);
        }
      }
      // Pieces without a letter or digit (a " / " between languages) are not worth a voice.
      return found.filter(function (piece) { return /[\p{L}\p{N}]/u.test(piece.text); });
    }

    function label(name) { button.textContent = button.getAttribute("data-label-" + name); }

    function read() {
      var list = pieces();
      if (!list.length) { return; }
      synth.cancel();
      readings += 1;
      var mine = readings;
      reading = mine;
      label("stop");
      control.setAttribute("data-reading", "");
      list.forEach(function (piece, index) {
        // Words in another language (an English fallback text) get that language's own voice.
        var voice = voiceFor(piece.lang) || voiceFor(pageLang);
        var utterance = new window.SpeechSynthesisUtterance(piece.text.trim());
        utterance.voice = voice;
        utterance.lang = voice.lang;
        if (index === list.length - 1) {
          utterance.onend = utterance.onerror = function () {
            if (reading === mine) { finished(); }
          };
        }
        synth.speak(utterance);
      });
    }

    function finished() {
      reading = 0;
      label("read");
      control.removeAttribute("data-reading");
    }

    function stop() {
      if (!reading) { return; }
      finished();
      synth.cancel();
    }

    button.addEventListener("click", function () { if (reading) { stop(); } else { read(); } });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { stop(); }
    });
    // Leaving the page, or htmx fetching a new piece of it, ends the reading.
    window.addEventListener("pagehide", stop);
    window.addEventListener("beforeunload", stop);
    document.addEventListener("htmx:beforeRequest", stop);
    // Voices often arrive a moment after the page loads.
    if (typeof synth.addEventListener === "function") {
      synth.addEventListener("voiceschanged", refreshVoices);
    } else {
      synth.onvoiceschanged = refreshVoices;
    }
    refreshVoices();
  }
})();
