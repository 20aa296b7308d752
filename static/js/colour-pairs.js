// Pairs each colour picker with its hex field: picking writes the hex (and tells the live preview), typing a
// complete hex moves the picker. The hex field is what the form sends; without JavaScript the pickers stay hidden.
(function () {
  "use strict";
  var HEX = /^#[0-9a-f]{6}$/;

  function pair(picker) {
    var field = document.getElementById(picker.getAttribute("data-colour-for"));
    if (!field) { return; }
    function follow() {
      var value = field.value.trim().toLowerCase();
      if (HEX.test(value)) { picker.value = value; }
    }
    picker.addEventListener("input", function () {
      field.value = picker.value;
      field.dispatchEvent(new Event("input", { bubbles: true }));
    });
    field.addEventListener("input", follow);
    follow();
    picker.hidden = false;
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("input[type=color][data-colour-for]"), pair);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
