// buildtrace: a build's progress, live. The page works without this (reload it by hand); with it,
// the server's events replace the progress and stages sections in place.
(function () {
  'use strict';
  var marker = document.querySelector('[data-live]');
  if (!marker || !window.EventSource || !window.DOMParser) return;
  var source = new window.EventSource(marker.getAttribute('data-live'));
  function put(id, html) {
    var now = document.getElementById(id);
    if (!now || !html) return;
    var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById(id);
    if (fresh) now.replaceWith(fresh);
  }
  source.addEventListener('build', function (event) {
    var data = JSON.parse(event.data);
    put('progress', data.progress);
    put('stages', data.stages);
  });
  source.addEventListener('end', function () {
    source.close();
  });
})();
