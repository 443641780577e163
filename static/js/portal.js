// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Print buttons are hidden until there is a script to print with.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
