/*
 * The agent desk (/agent): a page for a person who works in it all day. Plain JavaScript, no
 * framework, no CDN; it talks to the bot only through the agent API (docs/agent-api.md).
 *
 * - Strings: /agent/locales/<lang>.json (locales/<lang>/agent.json). The agent picks the console's
 *   language (kept in localStorage); reply templates come in the customer's language.
 * - Session: the token from POST /api/agent/login, kept in sessionStorage (this tab only). Any 401
 *   brings back the sign-in form with a message; so does the session's expiry time.
 * - Live: GET /api/agent/events read with fetch (so the Authorization header goes along), parsed as
 *   server-sent events, reconnecting with Last-Event-ID so nothing is missed. Heartbeat every 10 s.
 * - Every text from the server is put in the page with textContent, never as HTML.
 */
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('console-config').textContent);
  var LANGUAGES = ['en', 'fr'];
  var LOCALE_TAG = { en: 'en-GB', fr: 'fr-FR' };
  var SESSION_KEY = 'agent-console.session';
  var LANG_KEY = 'agent-console.lang';
  var SOUND_KEY = 'agent-console.sound';
  var HEARTBEAT_MS = 10000;
  var PROOF_REFRESH_MS = 4 * 60 * 1000; // proof links live 5 minutes
  var TYPING_SEND_MS = 3000;
  var TYPING_SHOW_MS = 6000;
  var MAX_REPLY = 2000;
  var MAX_NOTE = 1000;

  var $ = function (id) {
    return document.getElementById(id);
  };

  var strings = {};
  var lang = pickLanguage();
  var session = readSession();
  var queue = { items: [], mine: [] };
  var queueLoaded = false;
  var knownWaiting = {};
  var waitingSince = {}; // conversation id -> ms timestamp (from waitingSeconds, on this clock)
  var current = null; // { id, detail, fetchedAt, since }
  var flash = null; // { key, vars, kind } shown under the conversation header
  var desk = null;
  var catalogs = {};
  var stream = null; // { abort, lastEventId, retry }
  var lastEventId = null;
  var timers = {};
  var typingShownAt = 0;
  var typingSentAt = 0;
  var audio = null;
  var sound = storageGet('localStorage', SOUND_KEY) !== 'off';
  var confirmResolve = null;
  var meAt = 0; // when /api/agent/me was last asked

  // ------------------------------------------------------------------ storage

  function storageGet(area, key) {
    try {
      return window[area].getItem(key);
    } catch (e) {
      return null;
    }
  }

  function storageSet(area, key, value) {
    try {
      if (value === null) window[area].removeItem(key);
      else window[area].setItem(key, value);
    } catch (e) {
      /* private mode: nothing is kept */
    }
  }

  function readSession() {
    try {
      var s = JSON.parse(storageGet('sessionStorage', SESSION_KEY) || 'null');
      return s && typeof s.token === 'string' ? s : null;
    } catch (e) {
      return null;
    }
  }

  // ------------------------------------------------------------------ language and strings

  function pickLanguage() {
    var saved = storageGet('localStorage', LANG_KEY);
    if (LANGUAGES.indexOf(saved) >= 0) return saved;
    var list = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''];
    for (var i = 0; i < list.length; i++) {
      var primary = String(list[i]).toLowerCase().split('-')[0];
      if (LANGUAGES.indexOf(primary) >= 0) return primary;
    }
    return config.defaultLanguage || 'en';
  }

  function loadStrings(l) {
    if (strings[l]) return Promise.resolve(strings[l]);
    return fetch('/agent/locales/' + l + '.json', { credentials: 'omit' })
      .then(function (r) {
        if (!r.ok) throw new Error('locale ' + l + ': ' + r.status);
        return r.json();
      })
      .then(function (s) {
        strings[l] = s;
        return s;
      });
  }

  function lookup(node, parts) {
    if (node === undefined || node === null) return undefined;
    if (!parts.length) return node;
    var whole = parts.join('.');
    if (typeof node === 'object' && Object.prototype.hasOwnProperty.call(node, whole)) return node[whole];
    return lookup(node[parts[0]], parts.slice(1));
  }

  /** `t('queue.unread', { count: 2 })`: `{{var}}` interpolation and `_one`/`_other` plurals, like i18next. */
  function t(key, vars) {
    var table = strings[lang] || {};
    var value;
    if (vars && typeof vars.count === 'number') {
      value = lookup(table, (key + '_' + new Intl.PluralRules(LOCALE_TAG[lang]).select(vars.count)).split('.'));
      if (typeof value !== 'string') value = lookup(table, (key + '_other').split('.'));
    }
    if (typeof value !== 'string') value = lookup(table, key.split('.'));
    if (typeof value !== 'string') return key;
    return value.replace(/\{\{\s*(\w+)\s*\}\}/g, function (_, k) {
      return vars && vars[k] !== undefined && vars[k] !== null ? String(vars[k]) : '';
    });
  }

  function applyStrings() {
    document.documentElement.lang = lang;
    var nodes = document.querySelectorAll('[data-i18n]');
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = t(nodes[i].getAttribute('data-i18n'));
    var labelled = document.querySelectorAll('[data-i18n-label]');
    for (var j = 0; j < labelled.length; j++) labelled[j].setAttribute('aria-label', t(labelled[j].getAttribute('data-i18n-label')));
    $('heading').textContent = t('page.heading');
    var buttons = document.querySelectorAll('.lang button');
    for (var k = 0; k < buttons.length; k++) buttons[k].setAttribute('aria-pressed', String(buttons[k].getAttribute('data-lang') === lang));
    renderSound();
    renderAccount();
    renderTitle();
  }

  function setLanguage(l) {
    if (LANGUAGES.indexOf(l) < 0) return;
    loadStrings(l).then(function () {
      lang = l;
      storageSet('localStorage', LANG_KEY, l);
      applyStrings();
      renderDesk();
      renderQueue();
      if (current) {
        renderConversation();
        if (current.detail) renderTemplates(catalogs[current.detail.language]); // the hint is in the console's language
        loadReasons();
      }
      var msg = $('sign-in-message');
      if (!msg.hidden && msg.getAttribute('data-key')) msg.textContent = t(msg.getAttribute('data-key'));
    }, function () {
      toast(t('errors.network'));
    });
  }

  // ------------------------------------------------------------------ formatting

  function formatDuration(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var sec = s % 60;
    var pad = function (n) {
      return (n < 10 ? '0' : '') + n;
    };
    return h > 0 ? h + ':' + pad(m) + ':' + pad(sec) : m + ':' + pad(sec);
  }

  function formatMoney(minor, currency) {
    try {
      var fmt = new Intl.NumberFormat(LOCALE_TAG[lang], { style: 'currency', currency: currency });
      var digits = fmt.resolvedOptions().maximumFractionDigits;
      return fmt.format(minor / Math.pow(10, digits === undefined ? 2 : digits));
    } catch (e) {
      return minor + ' ' + currency;
    }
  }

  /** `withDate` true: date and time; false: time only; 'date': a calendar date (`2026-11-20`). */
  function formatDateTime(iso, withDate) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    var opts = withDate === 'date' ? { dateStyle: 'medium', timeZone: 'UTC' } : withDate ? { dateStyle: 'medium', timeStyle: 'short' } : { timeStyle: 'short' };
    return new Intl.DateTimeFormat(LOCALE_TAG[lang], opts).format(d);
  }

  function formatSize(bytes) {
    var units = [['byte', 1], ['kilobyte', 1024], ['megabyte', 1024 * 1024]];
    var u = bytes >= 1024 * 1024 ? units[2] : bytes >= 1024 ? units[1] : units[0];
    try {
      // "70 bytes" / "70 octets", "47.1 kB" / "47,1 ko"
      return new Intl.NumberFormat(LOCALE_TAG[lang], { style: 'unit', unit: u[0], unitDisplay: u[0] === 'byte' ? 'long' : 'short', maximumFractionDigits: 1 }).format(bytes / u[1]);
    } catch (e) {
      return bytes + ' B';
    }
  }

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function sinceOf(id, waitingSeconds) {
    if (typeof waitingSeconds === 'number') waitingSince[id] = Date.now() - waitingSeconds * 1000;
    return waitingSince[id] || Date.now();
  }

  // ------------------------------------------------------------------ API

  /** Never throws: `{ status, data }`, status 0 when the bot could not be reached. */
  function api(method, path, body) {
    var headers = { Accept: 'application/json' };
    if (session) headers.Authorization = 'Bearer ' + session.token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store' })
      .then(function (r) {
        return r.text().then(function (text) {
          var data = null;
          try {
            data = text ? JSON.parse(text) : null;
          } catch (e) {
            data = null;
          }
          if (r.status === 401 && path !== '/api/agent/login' && session) expire();
          return { status: r.status, data: data };
        });
      })
      .catch(function () {
        return { status: 0, data: null };
      });
  }

  /** The console's words for a failed call. */
  function errorText(res) {
    if (res.status === 0) return t('errors.network');
    if (res.status === 403) return t('errors.forbidden');
    if (res.status === 429) return t('errors.tooMany');
    if (res.status === 404) return res.data && res.data.error === 'not_found' ? t('errors.notFound') : t('errors.unavailable');
    return t('errors.generic');
  }

  // ------------------------------------------------------------------ sign-in and session

  function showSignIn(messageKey) {
    $('loading').hidden = true;
    $('desk').hidden = true;
    $('account').hidden = true;
    $('desk-status').hidden = true;
    $('live-status').hidden = true;
    document.querySelector('.skip').hidden = true;
    $('sign-in').hidden = false;
    setSignInMessage(messageKey);
    $('agent-password').value = '';
    var name = $('agent-name');
    if (!name.value && session) name.value = session.name || '';
    (name.value ? $('agent-password') : name).focus();
    renderTitle();
  }

  function setSignInMessage(key) {
    var msg = $('sign-in-message');
    msg.hidden = !key;
    msg.textContent = key ? t(key) : '';
    if (key) msg.setAttribute('data-key', key);
    else msg.removeAttribute('data-key');
    msg.className = 'message' + (key === 'signIn.signedOut' ? '' : ' error');
  }

  function onSignIn(ev) {
    ev.preventDefault();
    unlockAudio();
    var name = $('agent-name').value.trim();
    var password = $('agent-password').value;
    if (!name || !password) {
      setSignInMessage('signIn.missing');
      (name ? $('agent-password') : $('agent-name')).focus();
      return;
    }
    var button = $('sign-in-submit');
    button.disabled = true;
    button.textContent = t('signIn.working');
    api('POST', '/api/agent/login', { name: name, password: password }).then(function (res) {
      button.disabled = false;
      button.textContent = t('signIn.submit');
      if (res.status === 200 && res.data && typeof res.data.token === 'string') {
        session = { token: res.data.token, name: res.data.name || name, expiresAt: res.data.expiresAt || null };
        storageSet('sessionStorage', SESSION_KEY, JSON.stringify(session));
        $('agent-password').value = '';
        startDesk(true);
        return;
      }
      var key = res.status === 401 || res.status === 400 ? 'signIn.invalid' : res.status === 429 ? 'signIn.tooMany' : null;
      if (key) setSignInMessage(key);
      else {
        var msg = $('sign-in-message');
        msg.hidden = false;
        msg.className = 'message error';
        msg.removeAttribute('data-key');
        msg.textContent = errorText(res);
      }
      $('agent-password').value = '';
      $('agent-password').focus();
    });
  }

  function stopLive() {
    if (stream) stream.abort();
    stream = null;
    Object.keys(timers).forEach(function (k) {
      clearInterval(timers[k]);
      clearTimeout(timers[k]);
    });
    timers = {};
    timers.tick = setInterval(tick, 1000);
  }

  function resetDesk() {
    stopLive();
    queue = { items: [], mine: [] };
    queueLoaded = false;
    knownWaiting = {};
    current = null;
    flash = null;
    desk = null;
    lastEventId = null;
    clear($('toasts'));
    $('conv').hidden = true;
    $('conv-empty').hidden = false;
  }

  /** The session ended on the server (401 or its expiry time): back to the sign-in form. */
  function expire() {
    if (!session) return;
    session = null;
    storageSet('sessionStorage', SESSION_KEY, null);
    resetDesk();
    showSignIn('signIn.expired');
  }

  function signOut() {
    var s = session;
    if (!s) return;
    api('POST', '/api/agent/logout');
    session = null;
    storageSet('sessionStorage', SESSION_KEY, null);
    resetDesk();
    $('agent-name').value = s.name || '';
    showSignIn('signIn.signedOut');
  }

  function startDesk(fresh) {
    $('loading').hidden = true;
    $('sign-in').hidden = true;
    $('desk').hidden = false;
    $('account').hidden = false;
    document.querySelector('.skip').hidden = false;
    setSignInMessage(null);
    renderAccount();
    renderQueue();
    if (session.expiresAt) {
      var ms = new Date(session.expiresAt).getTime() - Date.now();
      if (ms > 0 && ms < 2147483647) timers.expiry = setTimeout(expire, ms);
    }
    refreshMe();
    refreshQueue().then(function (res) {
      if (res.status !== 200 && session) toast(errorText(res));
      if (fresh) focusQueue();
    });
    connect();
    timers.heartbeat = setInterval(heartbeat, HEARTBEAT_MS);
    timers.me = setInterval(refreshMe, 30000);
  }

  function heartbeat() {
    if (session) api('POST', '/api/agent/heartbeat');
  }

  function refreshMe() {
    api('GET', '/api/agent/me').then(function (res) {
      if (res.status === 200 && res.data) {
        desk = res.data.desk || null;
        if (res.data.expiresAt && session) {
          session.expiresAt = res.data.expiresAt;
          storageSet('sessionStorage', SESSION_KEY, JSON.stringify(session));
        }
        renderDesk();
      }
    });
  }

  function renderAccount() {
    if (!session) return;
    $('signed-in-as').textContent = t('header.signedInAs', { name: session.name });
    $('sign-out').title = $('signed-in-as').textContent; // the only place it shows on a narrow screen
  }

  function renderDesk() {
    var p = $('desk-status');
    if (!desk || !session) {
      p.hidden = true;
      return;
    }
    p.hidden = false;
    p.textContent = desk.open === false ? t('header.deskClosed') : t('header.deskOpen', { count: Number(desk.agentsOnline) || 1 });
    p.className = 'desk-status' + (desk.open === false ? ' closed' : '');
  }

  function renderLive(state) {
    var p = $('live-status');
    p.hidden = !session;
    p.textContent = state === 'live' ? t('header.live') : t('header.reconnecting');
    p.className = 'live-status ' + state;
    p.setAttribute('data-state', state);
  }

  // ------------------------------------------------------------------ live events (SSE over fetch)

  function connect() {
    if (!session) return;
    var controller = new AbortController();
    var mine = { abort: function () { controller.abort(); }, retry: stream ? stream.retry : 0 };
    stream = mine;
    var headers = { Accept: 'text/event-stream', Authorization: 'Bearer ' + session.token };
    if (lastEventId) headers['Last-Event-ID'] = lastEventId;
    fetch('/api/agent/events', { headers: headers, signal: controller.signal, cache: 'no-store', credentials: 'omit' })
      .then(function (r) {
        if (r.status === 401) {
          expire();
          return;
        }
        if (!r.ok || !r.body) throw new Error('events: ' + r.status);
        mine.retry = 0;
        renderLive('live');
        return read(r.body.getReader(), mine);
      })
      .catch(function () {
        /* dropped or refused: reconnect below */
      })
      .then(function () {
        if (stream !== mine || !session) return;
        renderLive('reconnecting');
        var delay = Math.min(10000, 1000 * Math.pow(2, mine.retry++));
        timers.reconnect = setTimeout(connect, delay);
      });
  }

  function read(reader, mine) {
    var decoder = new TextDecoder();
    var buffer = '';
    var event = { type: 'message', data: [], id: null };
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done || stream !== mine) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        var lines = buffer.split(/\r\n|\r|\n/);
        buffer = lines.pop();
        for (var i = 0; i < lines.length; i++) {
          var line = lines[i];
          if (line === '') {
            if (event.data.length) dispatch(event.type, event.data.join('\n'), event.id);
            event = { type: 'message', data: [], id: null };
            continue;
          }
          if (line.charAt(0) === ':') continue;
          var colon = line.indexOf(':');
          var field = colon < 0 ? line : line.slice(0, colon);
          var value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event.type = value;
          else if (field === 'data') event.data.push(value);
          else if (field === 'id') {
            event.id = value;
            lastEventId = value;
          }
        }
        return pump();
      });
    }
    return pump();
  }

  function dispatch(type, raw, id) {
    var data;
    try {
      data = JSON.parse(raw);
    } catch (e) {
      return;
    }
    if (id) lastEventId = id;
    if (type === 'queue') {
      setQueue(data);
      // Agents signing in or out move the queue too: keep "n agents online" fresh (at most every 5 s).
      if (Date.now() - meAt > 5000) {
        meAt = Date.now();
        refreshMe();
      }
    }
    else if (type === 'message') onMessage(data);
    else if (type === 'typing') onTyping(data);
    else if (type === 'conversation') onConversationEvent(data);
  }

  // ------------------------------------------------------------------ queue

  function setQueue(data) {
    var items = Array.isArray(data.items) ? data.items : [];
    var mine = Array.isArray(data.mine) ? data.mine : [];
    var arrivals = [];
    var waitingNow = {};
    items.forEach(function (it) {
      sinceOf(it.id, it.waitingSeconds);
      waitingNow[it.id] = true;
      if (queueLoaded && !knownWaiting[it.id]) arrivals.push(it);
    });
    mine.forEach(function (it) {
      sinceOf(it.id, it.waitingSeconds);
    });
    knownWaiting = waitingNow;
    queue = { items: items, mine: mine };
    queueLoaded = true;
    renderQueue();
    if (arrivals.length) notifyArrivals(arrivals);
  }

  function renderQueue() {
    renderList($('queue-list'), queue.items, true);
    renderList($('mine-list'), queue.mine, false);
    $('queue-empty').hidden = queue.items.length > 0;
    $('mine-empty').hidden = queue.mine.length > 0;
    $('queue-count').textContent = queue.items.length ? t('queue.count', { count: queue.items.length }) : '';
    renderTitle();
  }

  function renderList(list, items, waiting) {
    var focusedId = document.activeElement && document.activeElement.getAttribute('data-open');
    var focusedClaim = document.activeElement && document.activeElement.getAttribute('data-claim');
    clear(list);
    items.forEach(function (it) {
      var li = el('li', 'item' + (it.tier === 'pro' ? ' pro' : '') + (current && current.id === it.id ? ' selected' : ''));
      var open = el('button', 'open');
      open.type = 'button';
      open.setAttribute('data-open', it.id);
      if (current && current.id === it.id) open.setAttribute('aria-current', 'true');
      var top = el('span', 'line top');
      if (it.tier === 'pro') top.appendChild(el('span', 'badge pro', t('tier.pro')));
      top.appendChild(el('span', 'topic', t('topic.' + (it.topic || 'none'))));
      var chip = el('abbr', 'lang-chip', String(it.language || '').toUpperCase());
      chip.title = t('languageName.' + it.language);
      top.appendChild(chip);
      open.appendChild(top);
      open.appendChild(el('span', 'line reason', t('reason.' + it.reason)));
      var bottom = el('span', 'line sub');
      bottom.appendChild(el('span', 'ref', it.caseRef || t('queue.noCase')));
      if (it.severity && it.severity !== 'normal') bottom.appendChild(el('span', 'badge sev-' + it.severity, t('severity.' + it.severity)));
      if (!waiting && it.unread && !(current && current.id === it.id)) bottom.appendChild(el('span', 'badge unread', t('queue.unread', { count: it.unread })));
      if (waiting) {
        var timer = el('span', 'timer');
        timer.setAttribute('data-since-id', it.id);
        timer.setAttribute('data-label', 'queue.waitingFor');
        timer.textContent = timerText(it.id, 'queue.waitingFor');
        bottom.appendChild(timer);
      }
      open.appendChild(bottom);
      if (it.preview) open.appendChild(el('span', 'line preview', it.preview));
      open.addEventListener('click', function () {
        openConversation(it.id, true);
      });
      li.appendChild(open);
      if (waiting) {
        var claim = el('button', 'claim', t('conversation.claim'));
        claim.type = 'button';
        claim.setAttribute('data-claim', it.id);
        claim.addEventListener('click', function () {
          claimConversation(it.id);
        });
        li.appendChild(claim);
      }
      list.appendChild(li);
      if (focusedId === it.id) open.focus();
      if (focusedClaim === it.id && waiting) li.querySelector('.claim').focus();
    });
  }

  function timerText(id, labelKey) {
    var time = formatDuration((Date.now() - (waitingSince[id] || Date.now())) / 1000);
    return labelKey ? t(labelKey, { time: time }) : time;
  }

  function tick() {
    var nodes = document.querySelectorAll('[data-since-id]');
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].textContent = timerText(nodes[i].getAttribute('data-since-id'), nodes[i].getAttribute('data-label'));
    }
    if (typingShownAt && Date.now() - typingShownAt > TYPING_SHOW_MS) {
      typingShownAt = 0;
      $('typing').textContent = '';
    }
  }

  function renderTitle() {
    var base = t('page.title', { brand: config.brand });
    var n = session && queue.items.length;
    document.title = n ? t('queue.titleCount', { count: n, title: base }) : base;
  }

  function focusQueue() {
    var first = document.querySelector('#queue-list button.open');
    if (first) first.focus();
    else {
      $('queue-heading').setAttribute('tabindex', '-1');
      $('queue-heading').focus();
    }
  }

  function notifyArrivals(items) {
    items.forEach(function (it) {
      var key = it.tier === 'pro' ? 'queue.newArrivalPro' : 'queue.newArrival';
      toast(t(key, { topic: t('topic.' + (it.topic || 'none')), language: t('languageName.' + it.language) }), it.id, it.tier === 'pro');
    });
    beep(items.some(function (it) {
      return it.tier === 'pro';
    }));
  }

  function toast(text, conversationId, strong) {
    var box = el('div', 'toast' + (strong ? ' strong' : ''));
    var body;
    if (conversationId) {
      body = el('button', 'toast-open', text);
      body.type = 'button';
      body.addEventListener('click', function () {
        box.remove();
        openConversation(conversationId, true);
      });
    } else body = el('span', 'toast-text', text);
    var dismiss = el('button', 'toast-dismiss', '×');
    dismiss.type = 'button';
    dismiss.setAttribute('aria-label', t('queue.dismiss'));
    dismiss.addEventListener('click', function () {
      box.remove();
    });
    box.appendChild(body);
    box.appendChild(dismiss);
    $('toasts').appendChild(box);
    while ($('toasts').children.length > 4) $('toasts').removeChild($('toasts').firstChild);
    setTimeout(function () {
      if (box.parentNode && !box.contains(document.activeElement)) box.remove();
    }, 10000);
  }

  // ------------------------------------------------------------------ sound

  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    try {
      if (!audio) audio = new Ctx();
      if (audio.state === 'suspended') audio.resume();
    } catch (e) {
      audio = null;
    }
  }

  /** A short two-note chime (three notes for Pro), made with Web Audio: no sound file. */
  function beep(strong) {
    if (!sound || !audio) return;
    try {
      var notes = strong ? [880, 1175, 1568] : [880, 1320];
      var t0 = audio.currentTime + 0.01;
      notes.forEach(function (freq, i) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = 'sine';
        osc.frequency.value = freq;
        var start = t0 + i * 0.14;
        gain.gain.setValueAtTime(0.0001, start);
        gain.gain.exponentialRampToValueAtTime(0.15, start + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.13);
        osc.connect(gain).connect(audio.destination);
        osc.start(start);
        osc.stop(start + 0.14);
      });
      document.body.setAttribute('data-last-beep', String(Date.now()));
    } catch (e) {
      /* no sound: the visible notice is still there */
    }
  }

  function renderSound() {
    var b = $('sound-toggle');
    b.setAttribute('aria-pressed', String(sound));
    b.textContent = t(sound ? 'header.soundOn' : 'header.soundOff');
    b.title = t(sound ? 'header.soundTurnOff' : 'header.soundTurnOn');
  }

  // ------------------------------------------------------------------ one conversation

  function openConversation(id, focus) {
    unlockAudio();
    if (!current || current.id !== id) {
      flash = null;
      $('reply').value = '';
      $('decision-note').value = '';
      $('reply-error').hidden = true;
      $('decision-error').hidden = true;
      var radios = document.querySelectorAll('input[name=outcome]');
      for (var i = 0; i < radios.length; i++) radios[i].checked = false;
    }
    current = { id: id, detail: current && current.id === id ? current.detail : null, fetchedAt: 0 };
    queue.mine.forEach(function (x) {
      if (x.id === id) x.unread = 0;
    });
    typingShownAt = 0;
    $('typing').textContent = '';
    renderQueue();
    return loadConversation(id).then(function () {
      if (focus && current && current.id === id) $('conv-title').focus();
    });
  }

  function loadConversation(id) {
    return api('GET', '/api/agent/conversations/' + encodeURIComponent(id)).then(function (res) {
      if (!current || current.id !== id) return;
      if (res.status === 200 && res.data) {
        setDetail(res.data);
      } else if (res.status === 403 && current.detail) {
        // No longer readable by this agent (another agent took it, or it ended): keep it, read-only.
        var d = current.detail;
        if (d.status === 'waiting') {
          d.status = 'assigned';
          d.assignedTo = null;
          if (!flash || flash.key !== 'conversation.taken') setFlash('conversation.takenSomeone', null, 'error');
        } else if (isMine(d)) d.status = 'closed';
        renderConversation();
      } else if (res.status !== 401) {
        if (!current.detail) {
          $('conv-empty').hidden = false;
          $('conv').hidden = true;
          $('conv-empty').textContent = res.status === 404 ? t('conversation.gone') : t('conversation.loadFailed');
        } else setFlash(res.status === 404 ? 'conversation.gone' : null, null, 'error', errorText(res));
      }
    });
  }

  function setDetail(detail) {
    current.detail = detail;
    current.fetchedAt = Date.now();
    sinceOf(detail.id, detail.waitingSeconds);
    clearTimeout(timers.proofs);
    timers.proofs = setTimeout(function () {
      if (current && current.id === detail.id) loadConversation(detail.id);
    }, PROOF_REFRESH_MS);
    renderConversation();
    if (detail.language) loadCatalog(detail.language).then(renderTemplates);
    loadReasons();
  }

  function isMine(d) {
    return d && d.status === 'assigned' && session && d.assignedTo === session.name;
  }

  function setFlash(key, vars, kind, text) {
    var mine = { key: key, vars: vars, kind: kind || 'info', text: text };
    flash = mine;
    renderFlash();
    clearTimeout(timers.flash);
    if (mine.kind === 'ok') {
      timers.flash = setTimeout(function () {
        if (flash === mine && !$('conv-message').contains(document.activeElement)) {
          flash = null;
          renderFlash();
        }
      }, 8000);
    }
  }

  function renderFlash() {
    var p = $('conv-message');
    if (!flash) {
      p.hidden = true;
      return;
    }
    p.hidden = false;
    p.className = 'message ' + flash.kind;
    p.textContent = flash.key ? t(flash.key, flash.vars) : flash.text;
  }

  function renderConversation() {
    $('conv-empty').textContent = t('conversation.empty');
    if (!current || !current.detail) return;
    var d = current.detail;
    var mine = isMine(d);
    $('conv-empty').hidden = true;
    $('conv').hidden = false;

    var title = $('conv-title');
    clear(title);
    if (d.tier === 'pro') title.appendChild(el('span', 'badge pro', t('tier.pro')));
    title.appendChild(document.createTextNode(d.caseRef ? t('conversation.caseRef', { reference: d.caseRef }) : t('conversation.noCase')));

    var meta = $('conv-meta');
    clear(meta);
    var parts = [
      t('topic.' + (d.topic || 'none')),
      t('reason.' + d.reason),
      t('conversation.customerLanguage', { language: t('languageName.' + d.language) }),
      d.status === 'assigned' ? (d.assignedTo ? t('status.assigned', { name: d.assignedTo }) : t('status.assignedSomeone')) : t('status.' + d.status),
    ];
    parts.forEach(function (p, i) {
      if (i) meta.appendChild(el('span', 'sep', '·'));
      meta.appendChild(el('span', i === 3 ? 'status status-' + d.status : null, p));
    });
    if (d.status === 'waiting') {
      meta.appendChild(el('span', 'sep', '·'));
      var timer = el('span', 'timer');
      timer.setAttribute('data-since-id', d.id);
      timer.setAttribute('data-label', 'queue.waitingFor');
      timer.textContent = timerText(d.id, 'queue.waitingFor');
      meta.appendChild(timer);
    }

    // An address the customer left while nobody was available: the answer may have to go there.
    var email = $('conv-email');
    clear(email);
    email.hidden = !d.email;
    if (d.email) {
      email.appendChild(document.createTextNode(t('conversation.email') + ' '));
      var mail = el('a', null, d.email);
      mail.href = 'mailto:' + encodeURIComponent(d.email).replace(/%40/g, '@');
      email.appendChild(mail);
    }

    $('claim').hidden = d.status !== 'waiting';
    $('release').hidden = !mine;
    $('close').hidden = !mine;
    $('reply-form').hidden = !mine;
    $('read-only').hidden = mine || d.status !== 'waiting';
    renderFlash();
    renderTranscript(d.transcript || []);
    renderCase(d, mine);
  }

  function renderTranscript(entries) {
    var list = $('transcript');
    clear(list);
    if (!entries.length) list.appendChild(el('li', 'empty', t('transcript.empty')));
    entries.forEach(function (e) {
      list.appendChild(entryNode(e));
    });
    list.scrollTop = list.scrollHeight;
  }

  function whoLabel(e) {
    if (e.from === 'agent') return t('transcript.agent', { name: e.agent || '' });
    return t('transcript.' + (e.from === 'customer' || e.from === 'bot' ? e.from : 'system'));
  }

  /** A desk event of the transcript, in the console's language (the stored `text` is the record's English line). */
  function eventText(ev) {
    var vars = ev.vars || {};
    if (ev.key !== 'decision') return t('transcript.events.' + ev.key, vars);
    var cat = catalogs[lang];
    var reasons = (cat && cat.decisionReasons && cat.decisionReasons[vars.outcome]) || [];
    var found = reasons.filter(function (r) { return r.code === vars.reason; })[0];
    var line = t('transcript.events.decision', { outcome: t('decision.' + vars.outcome), reason: found ? found.label : vars.reason });
    return vars.note ? line + ' ' + t('transcript.events.decisionNote', { note: vars.note }) : line;
  }

  function entryNode(e) {
    var from = ['customer', 'bot', 'agent', 'system'].indexOf(e.from) >= 0 ? e.from : 'system';
    var li = el('li', 'entry from-' + from);
    if (e.seq) li.setAttribute('data-seq', e.seq);
    var head = el('p', 'who');
    head.appendChild(el('span', 'name', whoLabel(e)));
    if (e.at) {
      var time = el('time', null, formatDateTime(e.at, false));
      time.setAttribute('datetime', e.at);
      time.title = formatDateTime(e.at, true);
      head.appendChild(time);
    }
    li.appendChild(head);
    var text = e.event ? eventText(e.event) : e.text;
    if (text) li.appendChild(el('p', 'text', text));
    (e.attachments || []).forEach(function (a) {
      var p = el('p', 'attachment');
      if (a.url) {
        var link = el('a', null, t('case.attachment', { name: a.name }));
        link.href = a.url;
        link.target = '_blank';
        link.rel = 'noopener noreferrer';
        p.appendChild(link);
      } else p.textContent = t('case.attachment', { name: a.name });
      li.appendChild(p);
    });
    return li;
  }

  function appendEntry(e) {
    var d = current.detail;
    d.transcript = d.transcript || [];
    if (e.seq && d.transcript.some(function (x) { return x.seq === e.seq; })) return;
    d.transcript.push(e);
    var list = $('transcript');
    var empty = list.querySelector('li.empty');
    if (empty) empty.remove();
    var atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    list.appendChild(entryNode(e));
    if (atEnd || e.from === 'agent') list.scrollTop = list.scrollHeight;
  }

  function renderCase(d, mine) {
    var c = d.case;
    $('case-none').hidden = !!c;
    $('case-body').hidden = !c;
    var decision = $('decision');
    clear(decision);
    clear($('facts'));
    clear($('proofs'));
    clear($('history'));
    if (c) {
      $('case-status').textContent = t('caseStatus.' + c.status);
      $('case-status').className = 'case-status badge status-' + c.status;
      renderDecision(decision, d.decision);
      renderFacts($('facts'), c.facts || {});
      var proofs = d.proofs || [];
      if (!proofs.length) $('proofs').appendChild(el('li', 'empty', t('case.noProofs')));
      proofs.forEach(function (p) {
        var li = el('li');
        var a = el('a', null, t('case.openProof', { name: p.name, size: formatSize(p.size || 0) }));
        a.href = p.url;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        li.appendChild(a);
        $('proofs').appendChild(li);
      });
      (c.history || []).slice().reverse().forEach(function (h) {
        var li = el('li');
        li.appendChild(el('span', 'h-status', t('caseStatus.' + h.status)));
        li.appendChild(el('span', 'h-meta', formatDateTime(h.at, true) + (h.by ? ' · ' + byLabel(h.by) : '')));
        if (h.note) li.appendChild(el('span', 'h-note', h.note));
        $('history').appendChild(li);
      });
    }
    var decidable = mine && c && c.status !== 'closed';
    $('decision-form').hidden = !decidable;
  }

  /** Who changed a case: `agent:alice` → alice, `bot` → Bot, `user:…` → Customer, `system` → Desk. */
  function byLabel(by) {
    var m = /^agent:(.+)$/.exec(by);
    if (m) return m[1];
    if (by === 'bot') return t('transcript.bot');
    if (/^user:/.test(by)) return t('transcript.customer');
    if (by === 'system') return t('transcript.system');
    return by;
  }

  function renderDecision(node, dec) {
    if (!dec) {
      node.appendChild(el('p', 'empty', t('decision.none')));
      return;
    }
    node.appendChild(el('p', 'outcome outcome-' + dec.outcome, t('outcome.' + dec.outcome)));
    var dl = el('dl', 'facts');
    if (typeof dec.amountMinor === 'number' && dec.currency) {
      dl.appendChild(el('dt', null, t('decision.amount')));
      dl.appendChild(el('dd', null, formatMoney(dec.amountMinor, dec.currency)));
    }
    if (dec.clauses && dec.clauses.length) {
      dl.appendChild(el('dt', null, t('decision.clauses')));
      var dd = el('dd', 'clauses');
      dec.clauses.forEach(function (cl) {
        dd.appendChild(el('code', 'clause', cl));
      });
      dl.appendChild(dd);
    }
    node.appendChild(dl);
  }

  var FACT_PATHS = [
    'order.id', 'order.serviceType', 'order.status', 'order.amountPaid', 'order.paymentMethod', 'order.paidAt',
    'order.adBroadcast', 'order.credited', 'account.tier', 'account.fraudFlag', 'account.openChargeback',
    'claims.orderNumber', 'claims.amount', 'claims.reason', 'claims.problem', 'claims.urgent', 'claims.insistsOnRefund',
  ];
  /** Facts whose value is a code, and the list of words for it (`factValues.<list>.<code>`). */
  var FACT_VALUES = {
    'order.serviceType': 'serviceType',
    'order.status': 'orderStatus',
    'order.paymentMethod': 'paymentMethod',
    'order.adBroadcast': 'adBroadcast',
    'account.tier': 'tier',
    'claims.reason': 'refundReason',
    'claims.problem': 'disputeProblem',
  };

  function renderFacts(dl, facts) {
    var add = function (label, value) {
      dl.appendChild(el('dt', null, label));
      dl.appendChild(el('dd', null, value));
    };
    if (facts.order === null) add(t('facts.order.id'), t('facts.unknownOrder'));
    FACT_PATHS.forEach(function (path) {
      var v = lookup(facts, path.split('.'));
      if (v === undefined || v === null || v === '') return;
      if (typeof v === 'boolean') v = t(v ? 'facts.yes' : 'facts.no');
      else if (typeof v === 'object' && typeof v.minor === 'number') v = formatMoney(v.minor, v.currency);
      else if (typeof v === 'object') return;
      else if (/^\d{4}-\d\d-\d\d(T|$)/.test(String(v))) v = formatDateTime(v, /T/.test(String(v)) ? true : 'date');
      else if (FACT_VALUES[path]) {
        var words = t('factValues.' + FACT_VALUES[path] + '.' + v);
        v = words.indexOf('factValues.') === 0 ? v : words; // an unknown code is shown as it is
      }
      add(t('facts.' + path), String(v));
    });
  }

  // ------------------------------------------------------------------ catalog: templates and reasons

  function loadCatalog(l) {
    if (catalogs[l]) return Promise.resolve(catalogs[l]);
    return api('GET', '/api/agent/catalog?lang=' + encodeURIComponent(l)).then(function (res) {
      if (res.status === 200 && res.data) {
        catalogs[l] = res.data;
        return res.data;
      }
      return null;
    });
  }

  function renderTemplates(cat) {
    if (!current || !current.detail) return;
    var select = $('template');
    var d = current.detail;
    clear(select);
    var templates = (cat && cat.templates) || [];
    var first = el('option', null, templates.length ? t('reply.choose') : t('reply.templatesNone'));
    first.value = '';
    select.appendChild(first);
    templates.forEach(function (tpl) {
      var o = el('option', null, tpl.label);
      o.value = tpl.id;
      select.appendChild(o);
    });
    select.disabled = !templates.length;
    $('template-hint').textContent = t('reply.templatesHint', { language: t('languageName.' + d.language) });
  }

  function loadReasons() {
    return loadCatalog(lang).then(renderReasons);
  }

  function renderReasons() {
    var cat = catalogs[lang];
    var select = $('decision-reason');
    var outcome = checkedOutcome();
    var previous = select.value;
    clear(select);
    var first = el('option', null, t('decision.choose'));
    first.value = '';
    select.appendChild(first);
    var reasons = (cat && cat.decisionReasons && outcome && cat.decisionReasons[outcome]) || [];
    reasons.forEach(function (r) {
      var o = el('option', null, r.label);
      o.value = r.code;
      if (r.code === previous) o.selected = true;
      select.appendChild(o);
    });
    select.disabled = !outcome;
  }

  function checkedOutcome() {
    var r = document.querySelector('input[name=outcome]:checked');
    return r ? r.value : null;
  }

  // ------------------------------------------------------------------ actions

  function claimConversation(id) {
    var button = current && current.id === id ? $('claim') : null;
    if (button) {
      button.disabled = true;
      button.textContent = t('conversation.claiming');
    }
    api('POST', '/api/agent/conversations/' + encodeURIComponent(id) + '/claim').then(function (res) {
      if (button) {
        button.disabled = false;
        button.textContent = t('conversation.claim');
      }
      if (res.status === 401) return;
      if (!current || current.id !== id) {
        current = { id: id, detail: null, fetchedAt: 0 };
        flash = null;
      }
      if (res.status === 200 && res.data && res.data.conversation) {
        setDetail(res.data.conversation);
        setFlash('conversation.claimed', null, 'ok');
        renderQueue();
        $('reply').focus();
      } else if (res.status === 409) {
        var by = res.data && res.data.by;
        setFlash(by ? 'conversation.taken' : 'conversation.takenSomeone', { name: by }, 'error');
        if (current.detail) {
          // Someone else has it: this agent may not read it any more; keep what is shown, read-only.
          current.detail.status = 'assigned';
          current.detail.assignedTo = by || null;
          renderConversation();
        }
        $('conv-title').focus();
      } else if (res.status === 404) {
        setFlash('conversation.gone', null, 'error');
        loadConversation(id);
      } else if (res.status === 0) {
        setFlash(null, null, 'error', errorText(res));
        return;
      } else {
        setFlash(null, null, 'error', errorText(res));
        loadConversation(id);
      }
      // The queue this console shows was behind: fetch it again rather than wait for the stream.
      if (res.status === 409 || res.status === 404) refreshQueue();
      renderQueue();
    });
  }

  function refreshQueue() {
    return api('GET', '/api/agent/queue').then(function (res) {
      if (res.status === 200 && res.data) setQueue(res.data);
      return res;
    });
  }

  function onReplySubmit(ev) {
    ev.preventDefault();
    if (!current || !isMine(current.detail)) return;
    var box = $('reply');
    var text = box.value.trim();
    var err = $('reply-error');
    err.hidden = true;
    if (!text) return;
    if (text.length > MAX_REPLY) {
      err.hidden = false;
      err.textContent = t('reply.tooLong');
      return;
    }
    var id = current.id;
    var send = $('send');
    send.disabled = true;
    send.textContent = t('reply.sending');
    api('POST', '/api/agent/conversations/' + encodeURIComponent(id) + '/messages', { text: text }).then(function (res) {
      send.disabled = false;
      send.textContent = t('reply.send');
      if (res.status === 201 || res.status === 200) {
        if (box.value.trim() === text) box.value = '';
        if (current && current.id === id) {
          appendEntry({ seq: res.data && res.data.seq, from: 'agent', agent: session.name, text: text, at: new Date().toISOString() });
        }
        box.focus();
      } else if (res.status !== 401) {
        err.hidden = false;
        err.textContent = res.status === 409 ? t('reply.notAssigned') : res.status === 0 ? t('errors.network') : t('reply.failed');
        if (res.status === 409) loadConversation(id);
      }
    });
  }

  function onReplyKey(ev) {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && !ev.altKey && !ev.ctrlKey && !ev.metaKey) {
      ev.preventDefault();
      $('reply-form').requestSubmit ? $('reply-form').requestSubmit() : onReplySubmit(ev);
    }
  }

  function onReplyInput() {
    if (!current || !isMine(current.detail) || !$('reply').value) return;
    if (Date.now() - typingSentAt < TYPING_SEND_MS) return;
    typingSentAt = Date.now();
    api('POST', '/api/agent/conversations/' + encodeURIComponent(current.id) + '/typing');
  }

  function onTemplate() {
    var select = $('template');
    var cat = current && current.detail && catalogs[current.detail.language];
    var tpl = cat && (cat.templates || []).filter(function (x) { return x.id === select.value; })[0];
    if (!tpl) return;
    var box = $('reply');
    box.value = box.value.trim() ? box.value.replace(/\s*$/, '\n') + tpl.text : tpl.text;
    select.value = '';
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }

  function onDecisionSubmit(ev) {
    ev.preventDefault();
    if (!current || !isMine(current.detail)) return;
    var err = $('decision-error');
    err.hidden = true;
    var outcome = checkedOutcome();
    var reason = $('decision-reason').value;
    var note = $('decision-note').value.trim();
    var fail = function (text, focus) {
      err.hidden = false;
      err.textContent = text;
      focus.focus();
    };
    if (!outcome) return fail(t('decision.chooseOutcome'), document.querySelector('input[name=outcome]'));
    if (!reason) return fail(catalogs[lang] ? t('decision.chooseReason') : t('errors.unavailable'), $('decision-reason'));
    if (note.length > MAX_NOTE) return fail(t('decision.noteTooLong'), $('decision-note'));
    var reasonLabel = $('decision-reason').selectedOptions[0].textContent;
    var id = current.id;
    var d = current.detail;
    confirmAction(
      t('decision.confirmTitle'),
      t(outcome === 'approve' ? 'decision.confirmApprove' : 'decision.confirmRefuse', { reference: d.caseRef || '', reason: reasonLabel }),
      t('decision.confirm'),
      t('decision.cancel'),
    ).then(function (ok) {
      if (!ok) return;
      var button = $('decision-submit');
      button.disabled = true;
      var body = { outcome: outcome, reason: reason };
      if (note) body.note = note;
      api('POST', '/api/agent/conversations/' + encodeURIComponent(id) + '/decision', body).then(function (res) {
        button.disabled = false;
        if (res.status === 200) {
          $('decision-note').value = '';
          var radios = document.querySelectorAll('input[name=outcome]');
          for (var i = 0; i < radios.length; i++) radios[i].checked = false;
          renderReasons();
          if (current && current.id === id) {
            if (res.data && res.data.case) current.detail.case = res.data.case;
            setFlash('decision.done', { outcome: t(outcome === 'approve' ? 'decision.approve' : 'decision.refuse') }, 'ok');
            renderConversation();
            loadConversation(id);
            $('conv-message').setAttribute('tabindex', '-1');
            $('conv-message').focus();
          }
        } else if (res.status !== 401) {
          fail(res.status === 409 ? t('decision.alreadyClosed') : res.status === 400 ? t('decision.invalid') : errorText(res), $('decision-submit'));
        }
      });
    });
  }

  function endConversation(kind) {
    if (!current || !isMine(current.detail)) return;
    var id = current.id;
    confirmAction(t('confirm.' + kind + 'Title'), t('confirm.' + kind + 'Text'), t('confirm.' + kind), t('confirm.cancel')).then(function (ok) {
      if (!ok) return;
      api('POST', '/api/agent/conversations/' + encodeURIComponent(id) + '/' + kind).then(function (res) {
        if (res.status === 200 || res.status === 204) {
          if (current && current.id === id) {
            setFlash(kind === 'release' ? 'conversation.released' : 'conversation.closed', null, 'ok');
            // No longer this agent's: it may not be read again (403), so what is shown stays, read-only.
            current.detail.status = kind === 'release' ? 'released' : 'closed';
            renderConversation();
            refreshQueue();
            $('conv-message').setAttribute('tabindex', '-1');
            $('conv-message').focus();
          }
        } else if (res.status !== 401) setFlash(null, null, 'error', errorText(res));
      });
    });
  }

  /** A modal question (the native <dialog>: focus stays inside, Escape cancels). */
  function confirmAction(title, text, okLabel, cancelLabel) {
    var dialog = $('confirm');
    $('confirm-title').textContent = title;
    $('confirm-text').textContent = text;
    $('confirm-ok').textContent = okLabel;
    $('confirm-cancel').textContent = cancelLabel;
    var opener = document.activeElement;
    return new Promise(function (resolve) {
      confirmResolve = function (ok) {
        confirmResolve = null;
        if (dialog.open) dialog.close();
        if (opener && opener.focus) opener.focus();
        resolve(ok);
      };
      dialog.showModal();
      $('confirm-cancel').focus();
    });
  }

  // ------------------------------------------------------------------ live events

  function onMessage(data) {
    if (!data || !data.entry) return;
    var e = data.entry;
    if (e.from === 'customer' && (!current || current.id !== data.conversationId || document.hidden)) {
      // One of this agent's other conversations: say so where it can be seen, and bump its count.
      var mineItem = queue.mine.filter(function (x) { return x.id === data.conversationId; })[0];
      if (mineItem && (!current || current.id !== data.conversationId)) {
        mineItem.unread = (mineItem.unread || 0) + 1;
        renderQueue();
      }
      toast(t('queue.newMessage', { reference: (mineItem && mineItem.caseRef) || t('queue.noCase') }), data.conversationId);
    }
    if (current && current.detail && current.id === data.conversationId) {
      appendEntry(e);
      if (e.from === 'customer') {
        typingShownAt = 0;
        $('typing').textContent = '';
        announce(t('transcript.newMessage', { text: e.text || (e.attachments && e.attachments[0] && e.attachments[0].name) || '' }));
      }
    }
  }

  function onTyping(data) {
    if (current && data && data.conversationId === current.id) {
      typingShownAt = Date.now();
      $('typing').textContent = t('transcript.typing');
    }
  }

  function onConversationEvent(data) {
    if (!data || !current || data.conversationId !== current.id) return;
    var d = current.detail;
    var wasMine = isMine(d);
    if (data.status === 'assigned' && data.assignedTo && session && data.assignedTo !== session.name) {
      // Someone else claimed it: this agent may no longer read it (403), so keep what is shown, read-only.
      if (d && d.status === 'waiting') setFlash('conversation.taken', { name: data.assignedTo }, 'error');
      if (d) {
        d.status = 'assigned';
        d.assignedTo = data.assignedTo;
        renderConversation();
      }
      return;
    }
    if (data.status === 'closed' || data.status === 'released') {
      // Ended (here or by the customer): nobody may read it any more; keep it on screen, read-only.
      var key = data.status === 'closed' ? 'conversation.closed' : 'conversation.released';
      if (wasMine && (!flash || flash.key !== key)) setFlash(key, null, 'info');
      if (d) {
        d.status = data.status;
        renderConversation();
      }
      return;
    }
    if (wasMine && data.status === 'waiting') setFlash('conversation.returned', null, 'error');
    loadConversation(current.id);
  }

  function announce(text) {
    var a = $('announcer');
    a.textContent = '';
    setTimeout(function () {
      a.textContent = text;
    }, 50);
  }

  // ------------------------------------------------------------------ start

  function wire() {
    $('sign-in-form').addEventListener('submit', onSignIn);
    $('sign-out').addEventListener('click', signOut);
    $('sound-toggle').addEventListener('click', function () {
      sound = !sound;
      storageSet('localStorage', SOUND_KEY, sound ? 'on' : 'off');
      renderSound();
      if (sound) {
        unlockAudio();
        beep(false);
      }
    });
    var langButtons = document.querySelectorAll('.lang button');
    for (var i = 0; i < langButtons.length; i++) {
      langButtons[i].addEventListener('click', function (ev) {
        setLanguage(ev.currentTarget.getAttribute('data-lang'));
      });
    }
    $('claim').addEventListener('click', function () {
      if (current) claimConversation(current.id);
    });
    $('release').addEventListener('click', function () {
      endConversation('release');
    });
    $('close').addEventListener('click', function () {
      endConversation('close');
    });
    $('reply-form').addEventListener('submit', onReplySubmit);
    $('reply').addEventListener('keydown', onReplyKey);
    $('reply').addEventListener('input', onReplyInput);
    $('template').addEventListener('change', onTemplate);
    $('decision-form').addEventListener('submit', onDecisionSubmit);
    var radios = document.querySelectorAll('input[name=outcome]');
    for (var j = 0; j < radios.length; j++) radios[j].addEventListener('change', renderReasons);
    $('confirm-ok').addEventListener('click', function () {
      if (confirmResolve) confirmResolve(true);
    });
    $('confirm-cancel').addEventListener('click', function () {
      if (confirmResolve) confirmResolve(false);
    });
    $('confirm').addEventListener('cancel', function (ev) {
      ev.preventDefault();
      if (confirmResolve) confirmResolve(false);
    });
    document.addEventListener('pointerdown', unlockAudio, { once: true });
    document.addEventListener('keydown', unlockAudio, { once: true });
  }

  wire();
  timers.tick = setInterval(tick, 1000);
  loadStrings(lang)
    .catch(function () {
      lang = 'en';
      return loadStrings('en');
    })
    .then(function () {
      applyStrings();
      if (session) startDesk(false);
      else showSignIn(null);
    });
})();
