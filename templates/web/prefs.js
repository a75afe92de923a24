// The reader's theme and text size, put on <html> before the page is drawn (this script is not deferred), so a page
// never flashes in the wrong colours. js/galley.js offers the controls and saves the choice. Per site: the key names
// the book, since every site opened from file:// shares one storage.
(function () {
  'use strict';
  var root = document.documentElement;
  try {
    var saved = JSON.parse(localStorage.getItem('galley-reader:' + (root.dataset.site || '')) || '{}');
    if (/^(light|dark|sepia)$/.test(saved.theme)) root.dataset.theme = saved.theme;
    if (/^(small|large)$/.test(saved.size)) root.dataset.textSize = saved.size;
  } catch {
    // No storage (a private window, a browser setting): the system's theme and the normal size.
  }
})();
