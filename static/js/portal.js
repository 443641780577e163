// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Print buttons are hidden until there is a script to print with.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  setUpIdleTimer();
  document.querySelectorAll("[data-signature-pad]").forEach(setUpSignaturePad);

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
})();
