/*
 * The web chat page: Bot Framework Web Chat (window.WebChat, served from the bot) against the bot's
 * embedded Direct Line channel.
 *
 * - Language: the visitor's choice (kept in localStorage), else the browser's languages (French or
 *   English), else the bot's default. The switch re-renders Web Chat in the other language and tells
 *   the bot ("Français" / "English"), which answers and carries on in that language.
 * - Token: kept in sessionStorage with the conversation id, so a reload of the tab resumes the same
 *   conversation (the token is refreshed first). Otherwise: a token handed over by the host page
 *   (embed.js with data-token-url, for signed-in visitors), else an anonymous one from /widget/token.
 * - Uploads: checked here first (type, size, count) with a message in the visitor's language; the
 *   channel checks the bytes again.
 */
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('widget-config').textContent);
  var SESSION_KEY = 'support-widget.session';
  var LANG_KEY = 'support-widget.lang';
  var LOCALES = { en: 'en-US', fr: 'fr-FR' };
  var STATUS = { Uninitialized: 0, Connecting: 1, Online: 2, ExpiredToken: 3, FailedToConnect: 4, Ended: 5 };
  var params = new URLSearchParams(location.search);
  var embedded = window.parent !== window && params.has('embed');
  var domain = location.origin + '/v3/directline';
  // The origin of the page that embeds the chat (embed.js says it); messages go to it alone.
  var hostOrigin = (function () {
    try {
      var h = params.get('host');
      return embedded && h && new URL(h).origin === h ? h : null;
    } catch (e) {
      return null;
    }
  })();

  var lang = pickLanguage();
  var directLine;
  var store;
  var uploadsInFlight = {};
  var restarted = false;

  if (embedded) document.body.classList.add('embedded');

  // ------------------------------------------------------------------ language and strings

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
      /* private mode: nothing is kept, the chat still works */
    }
  }

  function pickLanguage() {
    var forced = params.get('lang');
    if (forced === 'en' || forced === 'fr') return forced;
    var saved = storageGet('localStorage', LANG_KEY);
    if (saved === 'en' || saved === 'fr') return saved;
    var list = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''];
    for (var i = 0; i < list.length; i++) {
      var primary = String(list[i]).toLowerCase().split('-')[0];
      if (primary === 'fr' || primary === 'en') return primary;
    }
    return config.defaultLanguage;
  }

  function t(key, vars) {
    var value = key.split('.').reduce(function (node, part) {
      return node && node[part];
    }, config.strings[lang]);
    if (typeof value !== 'string') return key;
    return value.replace(/\{\{\s*(\w+)\s*\}\}/g, function (_, name) {
      return vars && vars[name] !== undefined ? String(vars[name]) : '';
    });
  }

  function megabytes(bytes) {
    var value = new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: 1 }).format(bytes / (1024 * 1024));
    return t('upload.megabytes', { value: value });
  }

  function applyStrings() {
    document.documentElement.lang = lang;
    document.title = t('page.title', { brand: config.brand });
    document.getElementById('heading').textContent = t('page.heading', { brand: config.brand });
    document.getElementById('intro').textContent = t('page.intro');
    document.getElementById('lang-label').textContent = t('language.label');
    document.getElementById('notice-dismiss').setAttribute('aria-label', t('notice.dismiss'));
    var loading = document.getElementById('loading');
    if (loading) loading.textContent = t('page.loading');
    var buttons = document.querySelectorAll('.lang button');
    for (var i = 0; i < buttons.length; i++) {
      var code = buttons[i].getAttribute('data-lang');
      buttons[i].querySelector('.long').textContent = t('language.' + code);
      buttons[i].setAttribute('aria-pressed', String(code === lang));
    }
  }

  // ------------------------------------------------------------------ notices

  var noticeKey = null;
  var noticeVars = null;
  var noticeAction = null;

  function showNotice(key, vars, action) {
    noticeKey = key;
    noticeVars = vars || null;
    noticeAction = action || null;
    renderNotice();
  }

  function renderNotice() {
    var box = document.getElementById('notice');
    var button = document.getElementById('notice-action');
    if (!noticeKey) {
      box.hidden = true;
      return;
    }
    document.getElementById('notice-text').textContent = t(noticeKey, noticeVars);
    if (noticeAction) {
      button.textContent = t(noticeAction.labelKey);
      button.onclick = noticeAction.run;
      button.hidden = false;
    } else {
      button.hidden = true;
    }
    box.hidden = false;
  }

  document.getElementById('notice-dismiss').addEventListener('click', function () {
    noticeKey = null;
    renderNotice();
  });

  // ------------------------------------------------------------------ tokens and session

  function readSession() {
    try {
      var s = JSON.parse(storageGet('sessionStorage', SESSION_KEY) || 'null');
      return s && typeof s.token === 'string' && typeof s.conversationId === 'string' ? s : null;
    } catch (e) {
      return null;
    }
  }

  /** Expiry of a token, from its own `exp` claim (the signature is the server's business). */
  function tokenExpiry(token) {
    try {
      var claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
      return claims.exp * 1000;
    } catch (e) {
      return 0;
    }
  }

  function saveSession(token, conversationId) {
    var session = { token: token, conversationId: conversationId, expiresAt: tokenExpiry(token) };
    storageSet('sessionStorage', SESSION_KEY, JSON.stringify(session));
    // Kept by the host page too: a browser that blocks third-party storage keeps nothing here.
    tellHost({ type: 'support-widget:save', token: session.token, conversationId: session.conversationId, expiresAt: session.expiresAt });
  }

  function forgetSession() {
    storageSet('sessionStorage', SESSION_KEY, null);
    tellHost({ type: 'support-widget:forget' });
  }

  function tellHost(message) {
    if (hostOrigin) window.parent.postMessage(message, hostOrigin);
  }

  function post(url, token) {
    var headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    return fetch(url, { method: 'POST', headers: headers, body: '{}', credentials: 'same-origin' }).then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    });
  }

  /**
   * What the host page (embed.js) hands over: { session } (this tab's conversation, kept by the host),
   * { token } (a token for a visitor it has verified), or null.
   */
  function askHost(resume) {
    if (!embedded) return Promise.resolve(null);
    return new Promise(function (resolve) {
      var timer = setTimeout(function () {
        done(null);
      }, 5000);
      function done(token) {
        clearTimeout(timer);
        window.removeEventListener('message', onMessage);
        resolve(token);
      }
      function onMessage(event) {
        if (event.source !== window.parent || !event.data || typeof event.data !== 'object') return;
        if (hostOrigin && event.origin !== hostOrigin) return;
        var d = event.data;
        if (d.type === 'support-widget:token' && typeof d.token === 'string' && d.token.length < 4096) {
          done({ token: d.token });
        } else if (d.type === 'support-widget:session' && hostOrigin && typeof d.token === 'string' && d.token.length < 4096 &&
            typeof d.conversationId === 'string' && d.conversationId.length < 256) {
          done({ session: { token: d.token, conversationId: d.conversationId } });
        } else if (d.type === 'support-widget:anonymous') {
          done(null);
        }
      }
      window.addEventListener('message', onMessage);
      // Nothing secret in it; the answer is checked above.
      window.parent.postMessage({ type: 'support-widget:ready', resume: resume }, hostOrigin || '*');
    });
  }

  /** { token, conversationId, resume } for this tab. */
  function obtainToken() {
    var session = readSession();
    var resume = session && session.expiresAt > Date.now() + 5000
      ? post(domain + '/tokens/refresh', session.token).then(function (r) {
          return { token: r.token, conversationId: r.conversationId, resume: true };
        })
      : Promise.reject(new Error('no session'));
    function fresh(answer) {
      if (answer && answer.token) {
        return post(domain + '/tokens/refresh', answer.token).then(function (r) {
          return { token: r.token, conversationId: r.conversationId, resume: false };
        });
      }
      return post('/widget/token').then(function (r) {
        return { token: r.token, conversationId: r.conversationId, resume: false };
      });
    }
    return resume.catch(function () {
      storageSet('sessionStorage', SESSION_KEY, null);
      return askHost(true).then(function (answer) {
        if (!answer || !answer.session) return fresh(answer);
        // The conversation the host page kept for this tab: resume it if its token still refreshes.
        var kept = answer.session;
        return post(domain + '/tokens/refresh', kept.token)
          .then(function (r) {
            if (r.conversationId !== kept.conversationId) throw new Error('another conversation');
            return { token: r.token, conversationId: r.conversationId, resume: true };
          })
          .catch(function () {
            tellHost({ type: 'support-widget:forget' });
            return askHost(false).then(fresh);
          });
      });
    });
  }

  // ------------------------------------------------------------------ uploads

  function checkUpload(activity) {
    var attachments = activity.attachments || [];
    if (!attachments.length) return null;
    var sizes = (activity.channelData && activity.channelData.attachmentSizes) || [];
    if (attachments.length > config.upload.maxFiles) return { key: 'upload.tooMany', vars: { max: config.upload.maxFiles } };
    for (var i = 0; i < attachments.length; i++) {
      var a = attachments[i];
      var name = a.name || 'file';
      if (config.upload.types.indexOf(a.contentType) < 0) return { key: 'upload.unsupportedType', vars: { name: name } };
      if (typeof sizes[i] === 'number' && sizes[i] > config.upload.maxBytes) {
        return { key: 'upload.tooLarge', vars: { name: name, size: megabytes(sizes[i]), max: megabytes(config.upload.maxBytes) } };
      }
    }
    return null;
  }

  /**
   * Web Chat shows a visitor's own file as a download link unless it has a thumbnail. The channel's
   * copy of an uploaded image has none, so its own address (same origin, signed) serves as one.
   */
  function withOwnThumbnails(action) {
    var activity = action.payload && action.payload.activity;
    if (!activity || !activity.from || activity.from.role !== 'user' || !activity.attachments) return action;
    var changed = false;
    var attachments = activity.attachments.map(function (a) {
      if (a && !a.thumbnailUrl && /^image\/(png|jpeg)$/.test(a.contentType || '') && typeof a.contentUrl === 'string' &&
          a.contentUrl.indexOf(location.origin + '/') === 0) {
        changed = true;
        return Object.assign({}, a, { thumbnailUrl: a.contentUrl });
      }
      return a;
    });
    if (!changed) return action;
    return Object.assign({}, action, { payload: Object.assign({}, action.payload, { activity: Object.assign({}, activity, { attachments: attachments }) }) });
  }

  /**
   * Adaptive Cards label their inputs (aria-labelledby) but also repeat the placeholder as aria-label,
   * which some screen readers announce instead of the label: keep the label only.
   */
  function labelFields(root) {
    var fields = root.querySelectorAll('.ac-adaptiveCard input, .ac-adaptiveCard select, .ac-adaptiveCard textarea');
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      var labelled = f.getAttribute('aria-labelledby') || (f.labels && f.labels.length);
      if (labelled && f.hasAttribute('aria-label') && f.getAttribute('aria-label') === f.getAttribute('placeholder')) {
        f.removeAttribute('aria-label');
      }
    }
  }
  new MutationObserver(function () {
    labelFields(document.getElementById('webchat'));
  }).observe(document.getElementById('webchat'), { childList: true, subtree: true });

  function createStore() {
    return window.WebChat.createStore({}, function () {
      return function (next) {
        return function (action) {
          if (action.type === 'DIRECT_LINE/POST_ACTIVITY') {
            var problem = checkUpload(action.payload.activity);
            if (problem) {
              showNotice(problem.key, problem.vars);
              return undefined; // never sent
            }
          } else if (action.type === 'DIRECT_LINE/POST_ACTIVITY_PENDING') {
            var pending = action.payload.activity;
            if (pending.attachments && pending.attachments.length) uploadsInFlight[action.meta.clientActivityID] = true;
          } else if (action.type === 'DIRECT_LINE/POST_ACTIVITY_REJECTED') {
            if (uploadsInFlight[action.meta.clientActivityID]) {
              showNotice('upload.failed', { max: megabytes(config.upload.maxBytes) });
            }
          } else if (action.type === 'DIRECT_LINE/POST_ACTIVITY_FULFILLED') {
            if (uploadsInFlight[action.meta.clientActivityID] && noticeKey && noticeKey.indexOf('upload.') === 0) {
              showNotice(null); // the previous upload's problem is solved: this one went through
            }
            delete uploadsInFlight[action.meta.clientActivityID];
          } else if (action.type === 'DIRECT_LINE/INCOMING_ACTIVITY') {
            action = withOwnThumbnails(action);
          }
          return next(action);
        };
      };
    });
  }

  // ------------------------------------------------------------------ Web Chat

  function render() {
    document.getElementById('webchat').removeAttribute('aria-busy');
    window.WebChat.renderWebChat(
      {
        directLine: directLine,
        store: store,
        locale: LOCALES[lang],
        // Shown to the person from the desk while they have the conversation ("the customer is typing").
        sendTypingIndicator: true,
        styleOptions: {
          uploadAccept: config.upload.types.join(','),
          uploadMultiple: true,
          // A proof is sent as soon as it is chosen, like a message (no extra click on Send).
          sendAttachmentOn: 'attach',
          botAvatarInitials: config.brand.slice(0, 2).toUpperCase(),
          userAvatarInitials: t('page.userInitials'),
          hideUploadButton: false,
        },
      },
      document.getElementById('webchat'),
    );
  }

  function restart() {
    forgetSession();
    location.reload();
  }

  function connect() {
    return obtainToken().then(function (session) {
      saveSession(session.token, session.conversationId);
      directLine = window.WebChat.createDirectLine({
        domain: domain,
        token: session.token,
        conversationId: session.resume ? session.conversationId : undefined,
        webSocket: true,
        conversationStartProperties: { locale: LOCALES[lang] },
      });
      directLine.connectionStatus$.subscribe(function (status) {
        if (status === STATUS.Online) {
          if (noticeKey === 'status.failed') showNotice(null);
        } else if (status === STATUS.ExpiredToken) {
          showNotice('status.expired', null, { labelKey: 'status.newConversation', run: restart });
        } else if (status === STATUS.FailedToConnect) {
          if (session.resume && !restarted) {
            // The conversation is gone (expired): start a new one, once.
            restarted = true;
            forgetSession();
            location.reload();
            return;
          }
          showNotice('status.failed', null, { labelKey: 'status.newConversation', run: restart });
        }
      });
      // directlinejs refreshes its token every 15 minutes; keep the newest one for a reload.
      setInterval(function () {
        if (directLine.token) saveSession(directLine.token, session.conversationId);
      }, 60000);
      store = createStore();
      render();
    });
  }

  function switchLanguage(next) {
    if (next === lang) return;
    lang = next;
    storageSet('localStorage', LANG_KEY, lang);
    applyStrings();
    renderNotice();
    if (!directLine) return;
    render();
    store.dispatch({ type: 'WEB_CHAT/SEND_MESSAGE', payload: { text: t('language.switchMessage') } });
  }

  var buttons = document.querySelectorAll('.lang button');
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener('click', function (event) {
      switchLanguage(event.currentTarget.getAttribute('data-lang'));
    });
  }

  applyStrings();
  connect().catch(function () {
    showNotice('status.failed', null, { labelKey: 'status.newConversation', run: restart });
  });
})();
