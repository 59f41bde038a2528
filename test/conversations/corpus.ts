/*
 * Scripted customer conversations, written as customers write: each is what the customer types
 * (or presses: `confirm` is the summary card's button) and the end it must reach. Built from
 * parts so each kind of conversation is said many ways; never copied from the recogniser's corpora.
 */
export type End = 'answer' | 'greeting' | 'thanks' | 'goodbye' | 'outOfScope' | 'human' | 'statusNotFound' | 'cancelled';
export type Step = string | { value: Record<string, unknown> };
export interface Script {
  lang: 'en' | 'fr';
  name: string;
  steps: Step[];
  end: End;
  /** Everything the request needs was in the first message. */
  allInFirst?: boolean;
}

const confirm: Step = { value: { action: 'refund.confirm' } };

const EN_ALL = [
  'Refund for FL-100001 please, I paid €49 by mistake',
  'i paid 49 euros by mistake for my ad FL-100001, refund pls',
  'REFUND FL-100001 49€ paid by mistake',
  'hi, order FL-100001, €49.00, I paid for it by accident, can i get my money back?',
  'I was charged twice for FL-200002, €50, please refund one',
  'fl-200002 charged twice 50 eur refund me',
  'my ad FL-100001 was never broadcast, I want my €49 back',
  'order FL-100001: €49, the ad never went live, refund please',
  'I want a refund of €49 for order FL-100001, I bought it by mistake',
  'Hello, I paid twice for FL-200002 (€50). Can you refund the extra one?',
  'refund FL-100001 49 euro, paid by mistake sorry',
  'can u refund FL-200002, €50, i was debited twice',
  'cancel my ad FL-100001 and refund the €49, I made a mistake',
  'FL-100001 - €49 - paid by mistake - refund',
  'i need my €49 back for FL-100001, it was a mistake',
];
const FR_ALL = [
  'commande FL-100001, 49 €, payé par erreur',
  "Je veux être remboursé de 49 € pour la commande FL-100001, j'ai payé par erreur",
  'rembourser FL-100001 49€ payé par erreur svp',
  "bonjour, commande FL-100001, 49,00 €, j'ai payé sans faire exprès, je peux être remboursée ?",
  "j'ai été débité deux fois pour FL-200002, 50 €, remboursez-en un svp",
  'fl-200002 payé deux fois 50 euros remboursement',
  "ma pub FL-100001 n'a jamais été diffusée, je veux récupérer mes 49 €",
  "commande FL-100001 : 49 €, la pub n'a pas été diffusée, remboursement svp",
  "je voudrais un remboursement de 49 € pour la commande FL-100001, acheté par erreur",
  "Bonjour, j'ai payé deux fois FL-200002 (50 €). Pouvez-vous rembourser le second ?",
  'remboursement FL-100001 49 euros, payé par erreur désolée',
  "tu peux rembourser FL-200002, 50 €, j'ai été prélevé deux fois",
  "annulez ma publicité FL-100001 et remboursez les 49 €, je me suis trompé",
  'FL-100001 - 49 € - payé par erreur - remboursement',
  "je veux récupérer mes 49 € pour FL-100001, c'était une erreur",
];
const EN_ORDER_AND_REASON = [
  'i wnat a refnud for my add FL-100001 pls, i paid by mistake',
  'refund FL-100001, I paid by mistake',
  'Can I get a refund for FL-100001? It was a mistake',
  'my ad FL-100001 was never broadcast, refund please',
  'FL-200002 charged twice!! refund',
  'I was debited twice for order FL-200002',
  'please cancel FL-100001, i bought it by accident',
  'refund for my ad FL-100001, it never went live',
  'i paid twice for FL-200002, I want my money back',
  'order FL-100001 paid by mistake',
  'REFUND FL-100001 I CLICKED BY MISTAKE',
  'hello, I need a refund for FL-200002, double payment',
  'cancel and refund FL-100001 pls, wrong purchase',
  'i want my money back for FL-100001, the ad was not published',
  'FL-200002: I paid two times',
];
const FR_ORDER_AND_REASON = [
  'je veux annuler ma publicité fl-100001, je me suis trompée',
  "remboursement FL-100001, j'ai payé par erreur",
  "Je peux être remboursé pour FL-100001 ? C'était une erreur",
  "ma pub FL-100001 n'a jamais été diffusée, remboursement svp",
  'FL-200002 débité deux fois !! remboursement',
  "j'ai été prélevé deux fois pour la commande FL-200002",
  "annulez FL-100001 svp, je l'ai acheté par erreur",
  "remboursement de ma pub FL-100001, elle n'a jamais été diffusée",
  "j'ai payé deux fois FL-200002, je veux récupérer mon argent",
  'commande FL-100001 payée par erreur',
  "REMBOURSEMENT FL-100001 J'AI CLIQUÉ PAR ERREUR",
  "bonjour, je veux un remboursement pour FL-200002, double paiement",
  'annuler et rembourser FL-100001 svp, erreur de ma part',
  "je veux mon argent pour FL-100001, la pub n'a pas été publiée",
  'FL-200002 : payé 2 fois',
];
const EN_PROOF = ["no I don't have one", 'skip', 'no', "i don't have any proof", 'PAY-2024-001234', 'nope, none'];
const FR_PROOF = ["non j'en ai pas", 'passer', 'non', "je n'ai pas de justificatif", 'PAY-2024-001234', 'aucun désolé'];
const EN_YES = ['yes', 'yep', "Yes, that's right", 'yes correct', 'yeah'];
const FR_YES = ['oui', 'ouais', "Oui, c'est bien ça", "oui c'est ça", 'exact'];
const EN_START = ['I want a refund', 'refund please', 'i want my money back', 'Can I cancel my order?', 'how do i get refunded', 'REFUND', 'i need a refund pls', 'cancel my ad', 'I would like to be reimbursed', 'money back please'];
const FR_START = ['je veux un remboursement', 'remboursez moi svp', 'je veux récupérer mon argent', 'je peux annuler ma commande ?', 'comment etre rembourse', 'REMBOURSEMENT', "j'ai besoin d'un remboursement", 'annuler ma pub', 'je voudrais être remboursée', 'rendez moi mon argent'];
const EN_ORDER = ['FL-100001', 'its fl 100001', 'order number FL-100001', 'FL100001', '#FL-100001'];
const FR_ORDER = ['FL-100001', "c'est fl 100001", 'numéro de commande FL-100001', 'FL100001', '#FL-100001'];
const EN_REASON = ['I paid by mistake', 'it was a mistake', 'the ad was never broadcast', 'paid by mistake', 'I clicked by accident'];
const FR_REASON = ["J'ai payé par erreur", "c'était une erreur", "la pub n'a jamais été diffusée", 'payé par erreur', "j'ai cliqué par erreur"];

const OTHER: Record<'en' | 'fr', [string, End][]> = {
  en: [
    ['hi', 'greeting'], ['hello there', 'greeting'], ['good morning', 'greeting'], ['hey!', 'greeting'], ['Hi, anyone here?', 'greeting'],
    ['thanks', 'thanks'], ['thank you so much', 'thanks'], ['bye', 'goodbye'], ['goodbye, have a nice day', 'goodbye'],
    ['what are your opening hours?', 'outOfScope'], ['can you book me a flight', 'outOfScope'], ['I forgot my password', 'outOfScope'], ['tell me a joke', 'outOfScope'], ['do you sell shoes?', 'outOfScope'],
    ['I want a human', 'human'], ['this is a scam, I want a human NOW', 'human'], ['can i talk to an agent?', 'human'], ['customer service please', 'human'], ['real person please', 'human'],
    ['where is my request RF-ZZZZZ?', 'statusNotFound'], ['status of RF-22222 please', 'statusNotFound'],
  ],
  fr: [
    ['bonjour', 'greeting'], ['salut', 'greeting'], ['bonsoir', 'greeting'], ['coucou !', 'greeting'], ["Bonjour, il y a quelqu'un ?", 'greeting'],
    ['merci', 'thanks'], ['merci beaucoup', 'thanks'], ['au revoir', 'goodbye'], ['bonne journée, au revoir', 'goodbye'],
    ['quels sont vos horaires ?', 'outOfScope'], ['tu peux me réserver un vol', 'outOfScope'], ["j'ai oublié mon mot de passe", 'outOfScope'], ['raconte moi une blague', 'outOfScope'], ['vous vendez des chaussures ?', 'outOfScope'],
    ['je veux parler à un humain', 'human'], ["c'est une arnaque, je veux un humain MAINTENANT", 'human'], ['je veux parler à un conseiller svp', 'human'], ['un conseiller svp', 'human'], ['service client svp', 'human'],
    ['où en est ma demande RF-ZZZZZ ?', 'statusNotFound'], ['statut de RF-22222 svp', 'statusNotFound'],
  ],
};

function build(lang: 'en' | 'fr'): Script[] {
  const [ALL, OR, PROOF, YES, START, ORDER, REASON] =
    lang === 'en' ? [EN_ALL, EN_ORDER_AND_REASON, EN_PROOF, EN_YES, EN_START, EN_ORDER, EN_REASON] : [FR_ALL, FR_ORDER_AND_REASON, FR_PROOF, FR_YES, FR_START, FR_ORDER, FR_REASON];
  const out: Script[] = [];
  ALL.forEach((first, i) => out.push({ lang, name: `all in the first message: ${first}`, steps: [first, PROOF[i % PROOF.length], confirm], end: 'answer', allInFirst: true }));
  OR.forEach((first, i) => out.push({ lang, name: `order and reason first: ${first}`, steps: [first, YES[i % YES.length], PROOF[(i + 1) % PROOF.length], confirm], end: 'answer' }));
  START.forEach((first, i) =>
    out.push({ lang, name: `one question at a time: ${first}`, steps: [first, ORDER[i % ORDER.length], YES[(i + 2) % YES.length], REASON[i % REASON.length], PROOF[(i + 2) % PROOF.length], confirm], end: 'answer' }),
  );
  for (const [text, end] of OTHER[lang]) out.push({ lang, name: `${end}: ${text}`, steps: [text], end });
  // Cancel in the middle of a request.
  out.push({ lang, name: 'cancel mid-request', steps: [START[0], ORDER[0], lang === 'en' ? 'forget it, cancel' : 'laisse tomber, annule'], end: 'cancelled' });
  out.push({ lang, name: 'stop mid-request', steps: [ALL[0], lang === 'en' ? 'stop' : 'stop'], end: 'cancelled' });
  return out;
}

export const SCRIPTS: Script[] = [...build('en'), ...build('fr')];
