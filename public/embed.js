/*
 * The support chat on a host site. Add, before </body>:
 *
 *   <script src="https://BOT-ADDRESS/embed.js" async></script>
 *
 * Optional attributes:
 *   data-token-url="/your/route"   a route OF YOUR SITE that answers POST with {"token": "..."}: your
 *                                  server gets that token from the bot's POST /v3/directline/tokens/generate
 *                                  with the Direct Line secret and the account id you have verified.
 *                                  Without it the visitor chats anonymously.
 *   data-lang="fr" | "en"          the language of the button (the chat follows the browser anyway).
 *
 * The chat itself runs in an iframe served by the bot, so nothing of the host page (styles, scripts,
 * cookies) reaches it.
 *
 * Browsers that block third-party storage give that iframe no storage of its own, so a reload of the
 * host page would lose the conversation. The iframe therefore keeps its conversation (id and current
 * token, refreshed as it goes) through this script, in the host page's own sessionStorage (this tab
 * only), and gets it back when it starts. Messages go only to the bot's origin and are taken only from
 * the bot's iframe; the iframe likewise talks only to the origin of this page.
 */
(function () {
  'use strict';
  var STRINGS = __WIDGET_STRINGS__;
  var script = document.currentScript;
  if (!script || window.__supportWidgetLoaded) return;
  window.__supportWidgetLoaded = true;

  var origin = new URL(script.src, location.href).origin;
  var tokenUrl = script.getAttribute('data-token-url');
  var attrLang = script.getAttribute('data-lang');
  var browserLang = String((navigator.languages && navigator.languages[0]) || navigator.language || '').toLowerCase().split('-')[0];
  var lang = attrLang === 'fr' || attrLang === 'en' ? attrLang : browserLang === 'fr' ? 'fr' : 'en';
  var s = STRINGS[lang];

  var button = document.createElement('button');
  button.type = 'button';
  button.textContent = s.open;
  button.setAttribute('aria-expanded', 'false');
  button.style.cssText =
    'position:fixed;right:20px;bottom:20px;z-index:2147483000;padding:12px 18px;border:0;border-radius:24px;' +
    'background:#12355b;color:#fff;font:600 15px system-ui,sans-serif;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer';

  var panel = document.createElement('div');
  panel.id = 'support-widget-panel';
  panel.style.cssText =
    'position:fixed;right:20px;bottom:80px;z-index:2147483000;width:380px;max-width:calc(100vw - 40px);' +
    'height:600px;max-height:calc(100vh - 110px);border-radius:12px;overflow:hidden;display:none;' +
    'box-shadow:0 8px 30px rgba(0,0,0,.3);background:#fff';

  var frame = null;
  var SESSION_KEY = 'support-widget.session:' + origin;
  var OPEN_KEY = 'support-widget.open:' + origin;

  function storageGet(key) {
    try {
      return sessionStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }
  function storageSet(key, value) {
    try {
      if (value === null) sessionStorage.removeItem(key);
      else sessionStorage.setItem(key, value);
    } catch (e) {
      /* storage off: the conversation is not kept across reloads */
    }
  }
  function validSession(s) {
    return !!s && typeof s.token === 'string' && s.token.length > 0 && s.token.length < 4096 &&
      typeof s.conversationId === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(s.conversationId) &&
      typeof s.expiresAt === 'number';
  }
  function savedSession() {
    try {
      var s = JSON.parse(storageGet(SESSION_KEY) || 'null');
      return validSession(s) && s.expiresAt > Date.now() + 5000 ? s : null;
    } catch (e) {
      return null;
    }
  }

  function answer(message) {
    if (frame && frame.contentWindow) frame.contentWindow.postMessage(message, origin);
  }

  window.addEventListener('message', function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== origin) return;
    var data = event.data;
    if (!data || typeof data !== 'object') return;
    if (data.type === 'support-widget:save') {
      if (validSession(data)) {
        storageSet(SESSION_KEY, JSON.stringify({ token: data.token, conversationId: data.conversationId, expiresAt: data.expiresAt }));
      }
      return;
    }
    if (data.type === 'support-widget:forget') return storageSet(SESSION_KEY, null);
    if (data.type !== 'support-widget:ready') return;
    var session = data.resume !== false && savedSession();
    if (session) return answer({ type: 'support-widget:session', token: session.token, conversationId: session.conversationId });
    if (!tokenUrl) return answer({ type: 'support-widget:anonymous' });
    fetch(tokenUrl, { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.json();
      })
      .then(function (body) {
        answer(body && typeof body.token === 'string' ? { type: 'support-widget:token', token: body.token } : { type: 'support-widget:anonymous' });
      })
      .catch(function () {
        answer({ type: 'support-widget:anonymous' });
      });
  });

  function toggle() {
    var open = panel.style.display !== 'none';
    if (!open && !frame) {
      frame = document.createElement('iframe');
      frame.src = origin + '/?embed=1&host=' + encodeURIComponent(location.origin);
      frame.title = s.frameTitle;
      frame.style.cssText = 'width:100%;height:100%;border:0';
      panel.appendChild(frame);
    }
    panel.style.display = open ? 'none' : 'block';
    button.textContent = open ? s.open : s.close;
    button.setAttribute('aria-expanded', String(!open));
    storageSet(OPEN_KEY, open ? null : '1');
  }
  button.addEventListener('click', toggle);

  // On a phone the panel takes the screen above the button (inline styles need !important to yield).
  var style = document.createElement('style');
  style.textContent =
    '@media (max-width: 480px) { #support-widget-panel { left: 8px !important; right: 8px !important; top: 8px !important;' +
    ' bottom: 76px !important; width: auto !important; max-width: none !important; height: auto !important; max-height: none !important; } }';

  function mount() {
    document.head.appendChild(style);
    document.body.appendChild(panel);
    document.body.appendChild(button);
    // The chat was open before the reload: open it again (its conversation comes back with it).
    if (storageGet(OPEN_KEY) === '1') toggle();
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
