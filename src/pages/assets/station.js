// buildtrace scan station: an enhancement of the plain form (the page works without it).
// A scan (Enter from a keyboard-wedge scanner) is posted in the background and the answer replaces
// the station in place, so the input never loses focus; where the browser can read codes from the
// camera (BarcodeDetector), a "Scan with the camera" button does the same with the phone's camera.
(function () {
  'use strict';
  var form = document.getElementById('scan-form');
  var input = document.getElementById('scan');
  if (!form || !input || !window.fetch || !window.DOMParser) return;
  var busy = false;

  function refocus() {
    var scan = document.getElementById('scan');
    if (scan) scan.focus();
  }

  function swap(html) {
    var next = new DOMParser().parseFromString(html, 'text/html');
    ['scan-answer', 'tally', 'recent', 'shipment'].forEach(function (id) {
      var now = document.getElementById(id);
      var fresh = next.getElementById(id);
      if (now && fresh) now.replaceWith(fresh);
      else if (now && !fresh) now.remove();
      else if (!now && fresh && id === 'recent') {
        var tally = document.getElementById('tally');
        if (tally) tally.after(fresh);
      }
    });
  }

  function submitScan(value) {
    if (busy) return;
    busy = true;
    var body = new URLSearchParams(new FormData(form));
    if (value !== undefined) body.set('scan', value);
    fetch(form.action, { method: 'POST', body: body, credentials: 'same-origin', redirect: 'follow' })
      .then(function (res) {
        return res.text();
      })
      .then(function (html) {
        swap(html);
      })
      .catch(function () {
        form.submit();
      })
      .finally(function () {
        busy = false;
        input.value = '';
        refocus();
      });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    submitScan();
  });
  // A scanner types into whatever has the focus: keep it on the scan input.
  document.addEventListener('click', function (event) {
    var t = event.target;
    if (t && t.closest && !t.closest('details, a, button, input, select, textarea, video')) refocus();
  });

  if (!('BarcodeDetector' in window) || !navigator.mediaDevices) return;
  var camera = document.getElementById('camera');
  if (!camera) return;
  var button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Scan with the camera';
  camera.hidden = false;
  camera.appendChild(button);
  button.addEventListener('click', function () {
    var detector = new window.BarcodeDetector({ formats: ['qr_code', 'data_matrix', 'code_128'] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } }).then(function (stream) {
      var video = document.createElement('video');
      video.setAttribute('playsinline', '');
      video.setAttribute('aria-label', 'Camera');
      video.srcObject = stream;
      camera.appendChild(video);
      video.play();
      var last = '';
      var timer = setInterval(function () {
        detector.detect(video).then(function (codes) {
          if (codes.length && codes[0].rawValue !== last) {
            last = codes[0].rawValue;
            submitScan(last);
          }
        });
      }, 300);
      button.textContent = 'Stop the camera';
      button.onclick = function () {
        clearInterval(timer);
        stream.getTracks().forEach(function (t) {
          t.stop();
        });
        video.remove();
        button.textContent = 'Scan with the camera';
        button.onclick = null;
      };
    });
  });
})();
