// The web edition's behaviour: contents menu, keyboard, search over a prebuilt index, search-term highlighting
// and the outline's "you are here". Plain script, no build step; every page works without it.
(function () {
  'use strict';
  var script = document.currentScript;
  var jsBase = new URL('.', script.src);
  var root = document.documentElement;
  var rtl = root.dir === 'rtl';
  var body = document.body;

  function unhide(selector) {
    var el = document.querySelector(selector);
    if (el) el.hidden = false;
    return el;
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  // Contents menu (narrow screens).
  var toggle = unhide('.menu-toggle');
  var sidebar = document.getElementById('sidebar');
  function setMenu(open) {
    if (!toggle) return;
    body.classList.toggle('sidebar-open', open);
    toggle.setAttribute('aria-expanded', String(open));
    if (open && sidebar) {
      var current = sidebar.querySelector('[aria-current="page"]') || sidebar.querySelector('a');
      if (current) current.focus();
    }
  }
  if (toggle) {
    toggle.addEventListener('click', function () {
      setMenu(toggle.getAttribute('aria-expanded') !== 'true');
    });
  }
  if (sidebar) {
    var current = sidebar.querySelector('[aria-current="page"]');
    if (current) sidebar.scrollTop = Math.max(0, current.offsetTop - sidebar.clientHeight / 3);
  }

  // Search.
  var form = unhide('form.search');
  var input = document.getElementById('search-input');
  var panel = document.getElementById('search-results');
  var list = panel && panel.querySelector('.search-list');
  var status = document.getElementById('search-status');
  var engine = null;
  var loading = null;

  function load(src) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement('script');
      el.src = new URL(src, jsBase).href;
      el.onload = resolve;
      el.onerror = function () {
        reject(new Error('could not load ' + src));
      };
      document.head.appendChild(el);
    });
  }

  // The same as normalizeTerm in scripts/render/web/search-index.ts, which built the index.
  function normalizeTerm(term) {
    return term
      .normalize('NFKD')
      .replace(/[\u0300-\u036f\u064b-\u065f\u0670\u0640\u200c\u200d]/g, '')
      .replace(/[\u064a\u0649]/g, '\u06cc')
      .replace(/\u0643/g, '\u06a9')
      .toLowerCase();
  }

  function ready() {
    if (!loading) {
      loading = load('minisearch.js')
        .then(function () {
          return load('search-index.js');
        })
        .then(function () {
          var data = window.galleySearchIndex;
          engine = window.MiniSearch.loadJS(data.index, {
            fields: data.options.fields,
            storeFields: data.options.storeFields,
            processTerm: normalizeTerm,
          });
          if (data.options.query) queryOptions = data.options.query;
          return engine;
        })
        .catch(function (error) {
          // Try again on the next keystroke (the index may have been in the middle of being rewritten).
          loading = null;
          throw error;
        });
    }
    return loading;
  }

  function terms(query) {
    return query
      .toLowerCase()
      .split(/[\s\p{P}]+/u)
      .filter(function (t) {
        return t.length > 0;
      });
  }

  // Text with the query's terms marked, built as nodes (never as HTML).
  function marked(text, words) {
    var fragment = document.createDocumentFragment();
    if (words.length === 0) {
      fragment.appendChild(document.createTextNode(text));
      return fragment;
    }
    var pattern = new RegExp('(' + words.map(escapeRegExp).join('|') + ')', 'giu');
    var last = 0;
    text.replace(pattern, function (match, _group, offset) {
      fragment.appendChild(document.createTextNode(text.slice(last, offset)));
      var mark = document.createElement('mark');
      mark.textContent = match;
      fragment.appendChild(mark);
      last = offset + match.length;
      return match;
    });
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function escapeRegExp(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }

  // The index brings the query options (QUERY_OPTIONS in scripts/render/web/search-index.ts), so the browser ranks
  // exactly as the build's tests do; this is only for an index written before it did.
  var queryOptions = { prefix: true, fuzzy: 0.2, combineWith: 'AND' };

  // The same as snippet() in scripts/render/web/search-index.ts: cut at word boundaries.

  function snippet(text, words) {
    var width = 200;
    var lower = text.toLowerCase();
    var at = -1;
    for (var i = 0; i < words.length && at < 0; i++) at = lower.indexOf(words[i]);
    var start = Math.max(0, at - 60);
    var end = Math.min(text.length, Math.max(at, 0) + width - 60);
    if (start > 0) {
      var space = text.indexOf(' ', start);
      start = space < 0 || space >= Math.max(at, start + 1) ? start : space + 1;
      if (start > 0 && /\S/.test(text[start - 1] || '')) start = Math.max(0, text.lastIndexOf(' ', start) + 1);
    }
    if (end < text.length) {
      var back = text.lastIndexOf(' ', end);
      if (back > Math.max(at, start)) end = back;
    }
    return (start > 0 ? '… ' : '') + text.slice(start, end).trim() + (end < text.length ? ' …' : '');
  }

  function withHighlight(href, words) {
    var hash = href.indexOf('#');
    var file = hash < 0 ? href : href.slice(0, hash);
    var fragment = hash < 0 ? '' : href.slice(hash);
    var url = new URL(file, new URL('..', jsBase));
    url.searchParams.set('highlight', words.join(' '));
    return url.href + fragment;
  }

  function show(query) {
    if (!panel || !list || !status) return;
    var words = terms(query);
    if (words.length === 0) {
      panel.hidden = true;
      return;
    }
    var found = engine.search(query, queryOptions).slice(0, 30);
    list.textContent = '';
    found.forEach(function (hit) {
      var a = document.createElement('a');
      a.href = withHighlight(hit.href, words);
      var title = document.createElement('span');
      title.className = 'result-title';
      title.appendChild(marked(hit.title, words));
      var page = document.createElement('span');
      page.className = 'result-page';
      page.textContent = hit.page;
      var text = document.createElement('span');
      text.className = 'result-snippet';
      var body = hit.text || '';
      var inBody = words.some(function (w) {
        return body.toLowerCase().indexOf(w) >= 0;
      });
      if (!inBody && hit.lists) body = hit.lists;
      text.appendChild(marked(snippet(body, words), words));
      a.append(title, page, text);
      var li = document.createElement('li');
      li.appendChild(a);
      list.appendChild(li);
    });
    status.textContent = found.length
      ? status.dataset.results.replace('{n}', String(found.length))
      : status.dataset.noResults;
    panel.hidden = false;
  }

  function results() {
    return list ? Array.prototype.slice.call(list.querySelectorAll('a')) : [];
  }

  function closeResults() {
    if (panel) panel.hidden = true;
  }

  if (form && input) {
    var timer = 0;
    input.addEventListener('focus', function () {
      ready().catch(function () {});
    });
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        ready()
          .then(function () {
            show(input.value);
          })
          .catch(function () {});
      }, 80);
    });
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      ready()
        .then(function () {
          show(input.value);
          var first = results()[0];
          if (first) window.location.href = first.href;
        })
        .catch(function () {});
    });
    input.addEventListener('keydown', function (event) {
      if (event.key === 'ArrowDown') {
        var first = results()[0];
        if (first) {
          event.preventDefault();
          first.focus();
        }
      } else if (event.key === 'Escape') {
        input.value = '';
        closeResults();
      }
    });
    if (panel) {
      panel.addEventListener('keydown', function (event) {
        var links = results();
        var index = links.indexOf(document.activeElement);
        if (event.key === 'ArrowDown' && index >= 0) {
          event.preventDefault();
          (links[index + 1] || links[index]).focus();
        } else if (event.key === 'ArrowUp' && index >= 0) {
          event.preventDefault();
          if (index === 0) input.focus();
          else links[index - 1].focus();
        } else if (event.key === 'Escape') {
          closeResults();
          input.focus();
        }
      });
    }
    document.addEventListener('click', function (event) {
      if (panel && !panel.hidden && !panel.contains(event.target) && !form.contains(event.target)) closeResults();
    });
  }

  // Keyboard: "/" or "s" searches; the arrow keys turn pages, the way the text reads; Escape closes what is open.
  document.addEventListener('keydown', function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || typing(event.target)) return;
    if ((event.key === '/' || event.key === 's') && input && form && !form.hidden) {
      event.preventDefault();
      input.focus();
      return;
    }
    if (event.key === 'Escape') {
      if (body.classList.contains('sidebar-open')) {
        setMenu(false);
        if (toggle) toggle.focus();
      }
      closeResults();
      return;
    }
    var forward = rtl ? 'ArrowLeft' : 'ArrowRight';
    var back = rtl ? 'ArrowRight' : 'ArrowLeft';
    if (event.key !== forward && event.key !== back) return;
    if (event.defaultPrevented || (panel && !panel.hidden)) return;
    // A formula, table or listing that has the focus scrolls sideways with these keys: leave them to it.
    if (
      event.target instanceof Element &&
      event.target.closest('main .math-display, main table, main pre, [tabindex="0"]')
    )
      return;
    var link = document.querySelector(event.key === forward ? 'nav.pager a[rel~="next"]' : 'nav.pager a[rel~="prev"]');
    if (link) window.location.href = link.href;
  });

  // Terms a search led here with, marked in the page.
  var wanted = new URLSearchParams(window.location.search).get('highlight');
  var main = document.getElementById('content');
  if (wanted && main) {
    var words = terms(wanted);
    if (words.length) {
      var pattern = new RegExp(words.map(escapeRegExp).join('|'), 'iu');
      var walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT, {
        acceptNode: function (node) {
          if (node.parentElement && node.parentElement.closest('math, script, style')) return NodeFilter.FILTER_REJECT;
          return pattern.test(node.nodeValue) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP;
        },
      });
      var nodes = [];
      while (walker.nextNode() && nodes.length < 200) nodes.push(walker.currentNode);
      nodes.forEach(function (node) {
        var fragment = marked(node.nodeValue, words);
        Array.prototype.forEach.call(fragment.querySelectorAll('mark'), function (m) {
          m.className = 'search-hit';
        });
        node.parentNode.replaceChild(fragment, node);
      });
      if (!window.location.hash) {
        var first = main.querySelector('mark.search-hit');
        if (first) first.scrollIntoView({ block: 'center' });
      }
    }
  }

  // A wide formula, table or listing scrolls sideways on a phone: a keyboard user must be able to scroll it too.
  function scrollables() {
    Array.prototype.forEach.call(document.querySelectorAll('main .math-display, main table, main pre'), function (el) {
      var scrolls = el.scrollWidth > el.clientWidth;
      if (scrolls && !el.hasAttribute('tabindex')) el.setAttribute('tabindex', '0');
      else if (!scrolls && el.getAttribute('tabindex') === '0') el.removeAttribute('tabindex');
    });
  }
  scrollables();
  // Web fonts change widths: look again once they are in.
  window.addEventListener('load', scrollables);
  if (document.fonts) document.fonts.ready.then(scrollables);
  window.addEventListener('resize', scrollables);

  // Outline: mark the section being read.
  var outline = document.querySelector('nav.outline');
  if (outline && 'IntersectionObserver' in window) {
    var links = {};
    Array.prototype.forEach.call(outline.querySelectorAll('a[href^="#"]'), function (a) {
      // Ids are written as they are, never percent-encoded, so the href names the id itself.
      links[a.getAttribute('href').slice(1)] = a;
    });
    var headings = Object.keys(links)
      .map(function (id) {
        return document.getElementById(id);
      })
      .filter(Boolean);
    var visible = new Set();
    var observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) visible.add(entry.target);
          else visible.delete(entry.target);
        });
        var top = headings.filter(function (h) {
          return visible.has(h);
        })[0];
        if (!top) return;
        Object.keys(links).forEach(function (id) {
          links[id].classList.toggle('active', id === top.id);
        });
      },
      { rootMargin: '-10% 0px -60% 0px' },
    );
    headings.forEach(function (h) {
      observer.observe(h);
    });
  }
})();
