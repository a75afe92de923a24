// `galley dev`'s live preview, added to each page by the dev server (never to a built site): reload when this
// page was rebuilt, keep the reader's place, and show build problems over the page.
(function () {
  'use strict';
  var script = document.currentScript;
  var siteRoot = new URL('..', script.src);
  var KEY = 'galley-dev-scroll:' + location.pathname;

  var saved = sessionStorage.getItem(KEY);
  if (saved !== null) {
    sessionStorage.removeItem(KEY);
    window.scrollTo(0, Number(saved));
  }

  function thisPage() {
    var name = decodeURIComponent(location.pathname.slice(siteRoot.pathname.length));
    return name === '' || name.endsWith('/') ? name + 'index.html' : name;
  }

  function reload() {
    sessionStorage.setItem(KEY, String(window.scrollY));
    location.reload();
  }

  var overlay = null;
  function showProblems(list) {
    var errors = list.filter(function (d) {
      return d.severity === 'error';
    });
    if (overlay) {
      overlay.remove();
      overlay = null;
    }
    if (errors.length === 0) return;
    overlay = document.createElement('section');
    overlay.id = 'galley-dev-overlay';
    overlay.setAttribute('role', 'alert');
    overlay.setAttribute('lang', 'en');
    overlay.setAttribute('dir', 'ltr');
    Object.assign(overlay.style, {
      position: 'fixed',
      insetInline: '0',
      bottom: '0',
      zIndex: '100',
      maxHeight: '50vh',
      overflow: 'auto',
      background: '#2b0b0b',
      color: '#fff',
      borderTop: '4px solid #ff6b6b',
      padding: '1rem 1.25rem',
      font: '14px/1.45 ui-monospace, "DejaVu Sans Mono", monospace',
      boxShadow: '0 -8px 24px rgb(0 0 0 / 0.4)',
    });
    var title = document.createElement('h2');
    title.textContent =
      'Build failed: ' +
      errors.length +
      ' error' +
      (errors.length === 1 ? '' : 's') +
      ' (the page shows the last good build where it could)';
    Object.assign(title.style, { font: 'bold 15px system-ui, sans-serif', margin: '0 0 0.6rem' });
    var close = document.createElement('button');
    close.type = 'button';
    close.textContent = 'Dismiss';
    Object.assign(close.style, {
      float: 'right',
      font: '13px system-ui, sans-serif',
      padding: '0.3rem 0.7rem',
      cursor: 'pointer',
    });
    close.addEventListener('click', function () {
      overlay.remove();
      overlay = null;
    });
    var ul = document.createElement('ul');
    Object.assign(ul.style, { margin: '0', padding: '0', listStyle: 'none' });
    list
      .filter(function (d) {
        return d.severity === 'error' || d.severity === 'warning';
      })
      .forEach(function (d) {
        var li = document.createElement('li');
        li.className = 'galley-dev-problem';
        li.style.margin = '0.3rem 0';
        var where = document.createElement('strong');
        where.textContent = d.file + ':' + d.line + ':' + d.column;
        li.append(where, ' ' + d.severity + ' ' + d.message + (d.rule ? ' [' + d.rule + ']' : ''));
        ul.appendChild(li);
      });
    overlay.append(close, title, ul);
    document.body.appendChild(overlay);
  }

  // The build this page was served from: the server then tells of any rebuild of it made while it was loading.
  var eventsUrl = new URL('events', script.src);
  eventsUrl.searchParams.set('since', script.getAttribute('data-generation') || '0');
  var events = new EventSource(eventsUrl);
  // Marks the page as live, for the author's tools and the tests.
  events.addEventListener('open', function () {
    document.documentElement.setAttribute('data-galley-live', 'connected');
  });
  events.addEventListener('error', function () {
    document.documentElement.setAttribute('data-galley-live', 'reconnecting');
  });
  events.addEventListener('problems', function (event) {
    showProblems(JSON.parse(event.data));
  });
  events.addEventListener('reload', function (event) {
    var data = JSON.parse(event.data);
    if (data.all || data.pages.indexOf(thisPage()) >= 0) reload();
  });
})();
