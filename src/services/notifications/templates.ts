/**
 * E-mail bodies: one responsive layout written in MJML (so it renders in the usual mail clients:
 * tables, inline styles, Outlook conditionals), compiled to HTML once per process, when the
 * outbox starts (loading MJML takes a second or two: never in a customer's turn), never per message.
 * Each message fills the layout's slots with its own text from locales/<lang>/email.json, HTML-escaped,
 * and gets a plain-text twin built from the same parts.
 */

/** The parts of one message, in the customer's language, as plain text (escaped here). */
export interface EmailParts {
  language: 'en' | 'fr';
  subject: string;
  heading: string;
  greeting: string;
  /** Paragraphs before the details table. */
  intro: string[];
  /** Label / value rows (the request's summary, the invoice, the merchant…). */
  rows?: { label: string; value: string }[];
  /** A titled list (the reasons of a decision). */
  list?: { title: string; items: string[] };
  /** A quoted message (an agent's answer). */
  quote?: string;
  /** Paragraphs after the details. */
  outro: string[];
  button: { label: string; href: string };
  linkFallback: string;
  follow: string;
  signature: string;
  footer: string[];
  /** "Label: value" in the message's language (French puts a narrow no-break space before the colon). */
  labelled: (label: string, value: string) => string;
}

const COLORS = { text: '#1f2937', muted: '#6b7280', accent: '#1d4ed8', border: '#e5e7eb', page: '#f3f4f6', quote: '#f9fafb' };

const LAYOUT = `<mjml>
  <mj-head>
    <mj-title>%%SUBJECT%%</mj-title>
    <mj-preview>%%PREVIEW%%</mj-preview>
    <mj-attributes>
      <mj-all font-family="Segoe UI, Helvetica, Arial, sans-serif" />
      <mj-text font-size="15px" line-height="1.55" color="${COLORS.text}" />
    </mj-attributes>
  </mj-head>
  <mj-body background-color="${COLORS.page}" width="600px">
    <mj-section padding="24px 0 8px">
      <mj-column>
        <mj-text font-size="14px" font-weight="600" color="${COLORS.muted}" padding="0 24px">%%BRAND%%</mj-text>
      </mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" border-radius="8px" padding="16px 8px 24px">
      <mj-column>
        <mj-text font-size="22px" font-weight="700" line-height="1.3" padding-bottom="4px">%%HEADING%%</mj-text>
        <mj-text>%%BODY%%</mj-text>
        <mj-button href="%%LINK%%" background-color="${COLORS.accent}" color="#ffffff" font-size="15px" font-weight="600" border-radius="6px" inner-padding="12px 22px" align="left">%%BUTTON%%</mj-button>
        <mj-text>%%AFTER%%</mj-text>
      </mj-column>
    </mj-section>
    <mj-section padding="12px 0 24px">
      <mj-column>
        <mj-text font-size="12px" line-height="1.5" color="${COLORS.muted}" padding="0 24px">%%FOOTER%%</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const p = (s: string, style = '') => `<p style="margin:0 0 14px;${style}">${escapeHtml(s)}</p>`;

function bodyHtml(parts: EmailParts): string {
  const out = [p(parts.greeting), ...parts.intro.map((s) => p(s))];
  if (parts.rows?.length) {
    const rows = parts.rows
      .map(
        (r) =>
          `<tr><td style="padding:8px 12px 8px 0;border-top:1px solid ${COLORS.border};color:${COLORS.muted};vertical-align:top;white-space:nowrap;">${escapeHtml(r.label)}</td>` +
          `<td style="padding:8px 0;border-top:1px solid ${COLORS.border};font-weight:600;vertical-align:top;">${escapeHtml(r.value)}</td></tr>`,
      )
      .join('');
    out.push(`<table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;border-collapse:collapse;margin:4px 0 18px;font-size:15px;">${rows}</table>`);
  }
  if (parts.list?.items.length) {
    out.push(p(parts.list.title, 'margin-bottom:6px;font-weight:600;'));
    out.push(`<ul style="margin:0 0 14px;padding-left:20px;">${parts.list.items.map((i) => `<li style="margin:0 0 4px;">${escapeHtml(i)}</li>`).join('')}</ul>`);
  }
  if (parts.quote) {
    const lines = parts.quote.split(/\r?\n/).map(escapeHtml).join('<br>');
    out.push(`<div style="margin:0 0 16px;padding:12px 16px;background:${COLORS.quote};border-left:4px solid ${COLORS.accent};border-radius:4px;">${lines}</div>`);
  }
  out.push(...parts.outro.map((s) => p(s)));
  return out.join('');
}

function afterHtml(parts: EmailParts): string {
  return [
    p(parts.follow),
    `<p style="margin:0 0 14px;font-size:13px;color:${COLORS.muted};word-break:break-all;">${escapeHtml(parts.linkFallback)}</p>`,
    p(parts.signature, 'margin-bottom:0;'),
  ].join('');
}

function text(parts: EmailParts): string {
  const lines: string[] = [parts.heading, '', parts.greeting, '', ...parts.intro.flatMap((s) => [s, ''])];
  if (parts.rows?.length) lines.push(...parts.rows.map((r) => parts.labelled(r.label, r.value)), '');
  if (parts.list?.items.length) lines.push(parts.list.title, ...parts.list.items.map((i) => `- ${i}`), '');
  if (parts.quote) lines.push(...parts.quote.split(/\r?\n/).map((l) => `> ${l}`), '');
  lines.push(...parts.outro.flatMap((s) => [s, '']));
  lines.push(parts.labelled(parts.button.label, parts.button.href), '', parts.follow, '', parts.signature, '', '--', ...parts.footer);
  return lines.join('\n');
}

export class EmailTemplates {
  private layout?: Promise<string>;

  /** Compiles the MJML layout (once; later calls reuse it). */
  init(): Promise<string> {
    this.layout ??= (async () => {
      const { default: mjml2html } = await import('mjml');
      const out = await mjml2html(LAYOUT, { validationLevel: 'strict', keepComments: false });
      if (out.errors.length) throw new Error(`e-mail layout: ${out.errors.map((e) => e.formattedMessage).join('; ')}`);
      return out.html;
    })();
    this.layout.catch(() => (this.layout = undefined));
    return this.layout;
  }

  /** `unbroken`: words never split across lines in the HTML (the case reference, `RF-7K2Q9`). */
  async render(parts: EmailParts, brand: string, unbroken: string[] = []): Promise<{ subject: string; html: string; text: string }> {
    const layout = await this.init();
    const keep = (html: string) =>
      unbroken.reduce((h, word) => h.split(escapeHtml(word)).join(`<span style="white-space:nowrap;">${escapeHtml(word)}</span>`), html);
    const slots: Record<string, string> = {
      SUBJECT: escapeHtml(parts.subject),
      PREVIEW: escapeHtml(parts.intro[0] ?? parts.heading),
      BRAND: escapeHtml(brand),
      HEADING: escapeHtml(parts.heading),
      BODY: keep(bodyHtml(parts)),
      LINK: escapeHtml(parts.button.href),
      BUTTON: escapeHtml(parts.button.label),
      AFTER: keep(afterHtml(parts)),
      FOOTER: keep(parts.footer.map(escapeHtml).join('<br>')),
    };
    // One pass over the layout: a value that itself contains %%X%% is never substituted again.
    const html = layout
      .replace('lang="und"', `lang="${parts.language}"`)
      .replace(/%%([A-Z]+)%%/g, (m, name: string) => slots[name] ?? m);
    return { subject: parts.subject, html, text: text(parts) };
  }
}
