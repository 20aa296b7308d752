// Tells the server the browser's time zone (an IANA name such as Europe/Berlin), so times are shown in local time.
// Without JavaScript, or before the first page has set it, the server shows UTC and says so.
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone || !/^[A-Za-z0-9_+\/-]{1,64}$/.test(zone)) { return; }
  var current = document.cookie.split("; ").filter(function (part) { return part.indexOf("tz=") === 0; })[0];
  var wanted = "tz=" + zone;
  if (current !== wanted) {
    var secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = wanted + "; Path=/; Max-Age=31536000; SameSite=Lax" + secure;
  }
})();
