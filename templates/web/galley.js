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
          if (data.options.language) language = data.options.language;
          engine = window.MiniSearch.loadJS(data.index, {
            fields: data.options.fields,
            storeFields: data.options.storeFields,
            processTerm: normalizeTerm,
            tokenize: terms,
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

  // The page's language splits words (Intl.Segmenter), as tokenize() in scripts/render/web/search-index.ts did
  // when it built the index: Chinese, Japanese and Thai by dictionary, other scripts at spaces and punctuation.
  var language = root.lang || 'en';
  var wordSegmenter = null;
  var sentenceSegmenter = null;
  function segments(text) {
    if (!wordSegmenter) wordSegmenter = new Intl.Segmenter(language, { granularity: 'word' });
    return Array.from(wordSegmenter.segment(text));
  }

  function terms(query) {
    return segments(query)
      .filter(function (part) {
        return part.isWordLike;
      })
      .map(function (part) {
        return part.segment;
      });
  }

  // The words of `text` the query's terms begin (folded as the index folds them), as [start, end] pairs.
  function matchRanges(text, words) {
    var wanted = words.map(normalizeTerm).filter(Boolean);
    if (wanted.length === 0) return [];
    return segments(text)
      .filter(function (part) {
        if (!part.isWordLike) return false;
        var word = normalizeTerm(part.segment);
        return wanted.some(function (term) {
          return word.indexOf(term) === 0;
        });
      })
      .map(function (part) {
        return [part.index, part.index + part.segment.length];
      });
  }

  // Text with the words found marked, built as nodes (never as HTML).
  function marked(text, words) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    matchRanges(text, words).forEach(function (range) {
      fragment.appendChild(document.createTextNode(text.slice(last, range[0])));
      var mark = document.createElement('mark');
      mark.textContent = text.slice(range[0], range[1]);
      fragment.appendChild(mark);
      last = range[1];
    });
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  // The index brings the query options (QUERY_OPTIONS in scripts/render/web/search-index.ts), so the browser ranks
  // exactly as the build's tests do; this is only for an index written before it did.
  var queryOptions = { prefix: true, fuzzy: 0.2, combineWith: 'AND' };

  // The same as snippet() in scripts/render/web/search-index.ts: the sentence around the first word found, cut at
  // word boundaries when it is long.
  function snippet(text, words) {
    var width = 200;
    var hit = matchRanges(text, words)[0] || [0, 0];
    if (!sentenceSegmenter) sentenceSegmenter = new Intl.Segmenter(language, { granularity: 'sentence' });
    var sentence = sentenceSegmenter.segment(text).containing(hit[0]);
    var start = sentence ? sentence.index : 0;
    var end = sentence ? sentence.index + sentence.segment.length : text.length;
    if (end - start > width) {
      var starts = [];
      var ends = [];
      var previous = null;
      segments(text.slice(start, end)).forEach(function (part) {
        var at = start + part.index;
        var seam = previous && previous.isWordLike && part.isWordLike;
        if (!/^\s/.test(part.segment) && (!previous || /\s$/.test(previous.segment) || seam)) starts.push(at);
        if (previous && !/\s$/.test(previous.segment) && (/^\s/.test(part.segment) || seam)) ends.push(at);
        previous = part;
      });
      var from = Math.max(start, hit[0] - 60);
      var newStart = start;
      for (var i = 0; i < starts.length; i++) {
        if (starts[i] >= from && starts[i] <= hit[0]) {
          newStart = starts[i];
          break;
        }
      }
      var to = Math.min(end, Math.max(newStart + width, hit[1]));
      var newEnd = end;
      for (var j = ends.length - 1; j >= 0; j--) {
        if (ends[j] <= to && ends[j] >= hit[1]) {
          newEnd = ends[j];
          break;
        }
      }
      start = newStart;
      end = newEnd;
    }
    var cut = text.slice(start, end).trim();
    return (start > 0 ? '… ' : '') + cut + (text.slice(end).trim() ? ' …' : '');
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
      if (matchRanges(body, words).length === 0 && hit.lists) body = hit.lists;
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
      var walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT, {
        acceptNode: function (node) {
          if (node.parentElement && node.parentElement.closest('math, script, style')) return NodeFilter.FILTER_REJECT;
          return matchRanges(node.nodeValue, words).length ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP;
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

  // The header wraps to two rows on a phone (three with long names): what hangs below it is placed by its height.
  var siteHeader = document.querySelector('.site-header');
  function headerHeight() {
    if (siteHeader) root.style.setProperty('--header-height', siteHeader.offsetHeight + 'px');
  }

  // Reader controls: text size and theme, remembered per site (js/prefs.js applies them before the page is drawn).
  var controls = unhide('.reader-controls');
  var readerStatus = document.getElementById('reader-status');
  var storageKey = 'galley-reader:' + (root.dataset.site || '');
  function savePrefs() {
    try {
      localStorage.setItem(
        storageKey,
        JSON.stringify({ theme: root.dataset.theme || 'system', size: root.dataset.textSize || 'medium' }),
      );
    } catch {
      // Not remembered, but still applied to this page.
    }
  }
  function announce(template, value) {
    if (!readerStatus) return;
    // Emptied first, so saying the same thing twice is still announced.
    readerStatus.textContent = '';
    setTimeout(function () {
      readerStatus.textContent = template.replace('{value}', value);
    }, 50);
  }
  if (controls) {
    var sizeButtons = Array.prototype.slice.call(controls.querySelectorAll('button[data-size]'));
    var showSize = function () {
      var size = root.dataset.textSize || 'medium';
      sizeButtons.forEach(function (button) {
        button.setAttribute('aria-pressed', String(button.dataset.size === size));
      });
    };
    showSize();
    sizeButtons.forEach(function (button) {
      button.addEventListener('click', function () {
        if (button.dataset.size === 'medium') delete root.dataset.textSize;
        else root.dataset.textSize = button.dataset.size;
        showSize();
        savePrefs();
        announce(readerStatus.dataset.textSize, button.textContent.replace(/^A/, ''));
      });
    });
    var themeSelect = document.getElementById('theme-select');
    if (themeSelect) {
      themeSelect.value = root.dataset.theme || 'system';
      themeSelect.addEventListener('change', function () {
        if (themeSelect.value === 'system') delete root.dataset.theme;
        else root.dataset.theme = themeSelect.value;
        savePrefs();
        announce(readerStatus.dataset.theme, themeSelect.options[themeSelect.selectedIndex].text);
      });
    }
  }

  // Versions (a site built by `galley release`): versions.js, beside the released versions, lists them all, and a
  // newer release rewrites it, so an older version's pages learn that a newer one exists.
  var versionNav = document.querySelector('nav.versions');
  var released = window.galleyVersions;
  if (versionNav && released && released.versions && root.dataset.version) {
    var here = root.dataset.version;
    var releases = root.dataset.releases || '';
    var pagePath = root.dataset.page || 'index.html';
    // The same page in another version, or that version's title page (of this edition) when it has no such page.
    var sameIn = function (entry) {
      var target = pagePath;
      if (entry.pages && entry.pages.indexOf(target) < 0) {
        var folder = target.indexOf('/') >= 0 ? target.slice(0, target.lastIndexOf('/') + 1) : '';
        target = entry.pages.indexOf(folder + 'index.html') >= 0 ? folder + 'index.html' : 'index.html';
      }
      return releases + entry.site + target;
    };
    var details = document.createElement('details');
    var summary = document.createElement('summary');
    summary.textContent = versionNav.dataset.versionLabel.replace('{version}', here);
    details.appendChild(summary);
    var menu = document.createElement('ul');
    released.versions.forEach(function (entry) {
      var li = document.createElement('li');
      var label = versionNav.dataset.versionLabel.replace('{version}', entry.version);
      var item;
      if (entry.site) {
        item = document.createElement('a');
        item.href = sameIn(entry);
        if (entry.version === here) item.setAttribute('aria-current', 'page');
      } else {
        item = document.createElement('span');
      }
      item.textContent = label;
      li.appendChild(item);
      if (entry.date) li.appendChild(document.createTextNode(' (' + entry.date + ')'));
      if (entry.version === released.newest) {
        var badge = document.createElement('strong');
        badge.className = 'newest';
        badge.textContent = ' ' + versionNav.dataset.newest;
        li.appendChild(badge);
      }
      menu.appendChild(li);
    });
    details.appendChild(menu);
    versionNav.appendChild(details);
    versionNav.hidden = false;
    var newest = released.versions.filter(function (entry) {
      return entry.version === released.newest && entry.site;
    })[0];
    var content = document.getElementById('content');
    if (newest && newest.version !== here && content) {
      var banner = document.createElement('p');
      banner.className = 'version-banner';
      banner.setAttribute('role', 'note');
      banner.appendChild(
        document.createTextNode(
          versionNav.dataset.older.replace('{version}', here).replace('{newest}', newest.version) + ' ',
        ),
      );
      var link = document.createElement('a');
      link.href = sameIn(newest);
      link.textContent = versionNav.dataset.readNewest.replace('{newest}', newest.version);
      banner.appendChild(link);
      content.insertBefore(banner, content.firstChild);
    }
  }

  // Once the controls and the version menu are in the header.
  headerHeight();
  window.addEventListener('resize', headerHeight);
  if (document.fonts) document.fonts.ready.then(headerHeight);

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
