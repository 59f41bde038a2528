/*
 * Scripted customer conversations, written as customers write: each is what the customer types
 * (or presses: `confirm` is the summary card's button) and the end it must reach. Built from
 * parts so each kind of conversation is said many ways; never copied from the recogniser's corpora.
 */
export type End =
  | 'answer'
  | 'greeting'
  | 'thanks'
  | 'goodbye'
  | 'outOfScope'
  | 'human'
  | 'statusNotFound'
  | 'cancelled'
  // The dispute with a merchant (POLICY.md D):
  | 'disputeSent' // D5: sent to the merchant, with the deadline
  | 'disputePlatform' // D4: the platform handles the payment complaint, same day
  | 'disputeOpen' // D3: a dispute is already open on the purchase
  | 'disputeTooOld' // D6.3: more than 180 days
  | 'disputeWriteFirstThenClosed' // D2: write to the merchant first (message to copy), then closed by the customer (D6.1)
  // A payment not registered (POLICY.md P):
  | 'paymentReported' // P4, P5: reported with a proof (the invoice pause said)
  | 'paymentWait' // P1, P2: too early, with the date to come back
  | 'paymentPaidShop' // P3.3: paid the shop directly, ask them for a refund
  | 'paymentNotDebited' // P3.1
  | 'paymentPayeeWrong' // P3.2
  | 'paymentRegistered'; // P1: the record shows it registered
export type Step = string | { value: Record<string, unknown> };
export interface Script {
  lang: 'en' | 'fr';
  name: string;
  /** The channel user (default demo-camille); shop purchases are Noah's (demo-noah). */
  user?: string;
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

// ---------------------------------------------------------------- dispute with a merchant (Noah's shop purchases)

type Dispute = [string, Step[], End];

/*
 * Each dispute conversation is a customer of its own, without a signed-in account (the demo lets
 * anonymous visitors look up Noah's shop purchases): a case kept for one (D2) is never offered to
 * another. Some come back later in the same conversation and close it (D6.1) or say how it went.
 */
const DISPUTES: Record<'en' | 'fr', Dispute[]> = {
  en: [
    ['never arrived, not contacted yet, later sorted', ['my order never arrived', 'FL-900001', 'not yet', confirm, 'hi its about my complaint with the seller again', "It's sorted, close it"], 'disputeWriteFirstThenClosed'],
    ['parcel missing, no contact, typed confirm', ['hey my parcel never came pls help', 'its FL-900001', 'no i havent', 'ok', 'back about my problem with the seller', "It's sorted, close it"], 'disputeWriteFirstThenClosed'],
    ['wrong item, first time asking', ['I got sent the wrong product', 'FL-900005', 'didnt contact them yet', confirm, 'problem with a seller', "It's sorted, close it"], 'disputeWriteFirstThenClosed'],
    ['damaged, came here first', ['open a dispute', 'FL-900004', 'It arrived damaged', 'i came here first', confirm, "it's about my dispute with the seller again", "It's sorted, close it"], 'disputeWriteFirstThenClosed'],
    ['D2 then the merchant did not answer', ['my headphones never showed up', 'FL-900001', 'Not yet', confirm, "the merchant didn't answer", 'Yes, this one', confirm], 'disputeSent'],
    ['D2 then the address bounced', ['i have an issue with a shop', 'FL-900001', 'It never arrived', 'not yet', confirm, 'the sellers email bounced back', 'Yes, this one', 'ok'], 'disputeSent'],
    ['D2 then an offer not good enough', ['parcel lost, i want to complain about the seller', 'FL-900001', 'no not yet', confirm, 'the seller only offered me a 5% discount lol', 'Yes, this one', confirm], 'disputeSent'],
    ['broken vase, merchant silent', ['the vase i bought arrived broken', 'FL-900004', 'they never answer my emails', confirm], 'disputeSent'],
    ['everything with the order number', ['i have a problem with a seller', 'FL-900004, the vase came broken and they never answer', confirm], 'disputeSent'],
    ['broken, bounced email', ['item arrived smashed!!', 'FL-900004', 'the email address on their site doesnt work', 'yes'], 'disputeSent'],
    ['wrong size, offer refused', ['seller sent me the wrong size jacket', 'FL-900005', 'they want me to pay the return shipping, no way', confirm], 'disputeSent'],
    ['wrong item, buttons', ['I want to complain about a merchant', 'FL-900005', "It's not what I ordered", "Their offer isn't right for me", confirm], 'disputeSent'],
    ['phone case never came, silent shop', ['still waiting for my phone case from the shop, it never came', 'FL-900007', 'no reply at all', confirm], 'disputeSent'],
    ['charged twice by the shop', ['the shop charged me twice pls help', 'FL-900006', 'no answer from them', confirm], 'disputePlatform'],
    ['payment problem, bounced', ['problem with a shop order', 'FL-900006', 'A problem with the payment', 'Their address doesnt work', confirm], 'disputePlatform'],
    ['payment, unsatisfying offer', ['the seller overcharged me', 'FL-900006', 'they said no refund', confirm], 'disputePlatform'],
    ['shoes, dispute already open', ['my running shoes never came', 'FL-900002', 'no reply', confirm], 'disputeOpen'],
    ['shoes damaged, already open', ['problem with a seller', 'FL-900002', 'damaged', 'They didnt answer', confirm], 'disputeOpen'],
    ['grinder from ages ago', ['my coffee grinder arrived broken', 'FL-900003', 'they ignore me', confirm], 'disputeTooOld'],
    ['old purchase, wrong item', ['wrong item from a shop', 'FL-900003', 'no response', 'ok'], 'disputeTooOld'],
    ['cancel halfway', ['dispute with a merchant', 'FL-900001', 'forget it, cancel'], 'cancelled'],
    ['wants a person', ['my order never arrived', 'FL-900001', 'i want to talk to a real person'], 'human'],
  ],
  fr: [
    ['jamais arrivée, pas encore contacté, réglé plus tard', ["ma commande n'est jamais arrivée", 'FL-900001', 'pas encore', confirm, "rebonjour c'est pour mon litige avec le vendeur", "C'est réglé, la fermer"], 'disputeWriteFirstThenClosed'],
    ['colis jamais recu, sans accents', ['mon colis est jamais arrive svp', "c'est FL-900001", 'non je les ai pas contactes', 'ok', 'probleme avec un vendeur', "C'est réglé, la fermer"], 'disputeWriteFirstThenClosed'],
    ['mauvais produit, première fois', ["on m'a envoyé le mauvais produit", 'FL-900005', 'pas encore écrit', confirm, 'souci avec le marchand', "C'est réglé, la fermer"], 'disputeWriteFirstThenClosed'],
    ['abîmé, venu ici d’abord', ['je veux ouvrir un litige', 'FL-900004', 'Arrivé abîmé', "je suis venue ici d'abord", confirm, 'litige vendeur', "C'est réglé, la fermer"], 'disputeWriteFirstThenClosed'],
    ['D2 puis le vendeur ne répond pas', ["mon casque n'est jamais arrivé", 'FL-900001', 'Pas encore', confirm, 'le vendeur ne répond pas', 'Oui, celle-ci', confirm], 'disputeSent'],
    ["D2 puis l'adresse ne marche pas", ["j'ai un problème avec une boutique", 'FL-900001', 'Jamais arrivé', 'pas encore', confirm, 'le mail du vendeur me revient en erreur', 'Oui, celle-ci', 'ok'], 'disputeSent'],
    ['D2 puis une offre insuffisante', ['colis perdu, je veux faire une réclamation', 'FL-900001', 'non pas encore', confirm, 'le vendeur me propose juste 5% de réduc', 'Oui, celle-ci', confirm], 'disputeSent'],
    ['vase cassé, marchand muet', ['le vase que j’ai acheté est arrivé cassé', 'FL-900004', 'ils répondent jamais à mes mails', confirm], 'disputeSent'],
    ['tout avec le numéro', ['j’ai un souci avec un vendeur', 'FL-900004, le vase est arrivé cassé et ils répondent jamais', confirm], 'disputeSent'],
    ['cassé, mail revenu', ['article arrivé en miettes !!', 'FL-900004', "l'adresse mail sur leur site marche pas", 'oui'], 'disputeSent'],
    ['mauvaise taille, offre refusée', ["le vendeur m'a envoyé la mauvaise taille de veste", 'FL-900005', 'ils veulent que je paie le retour, hors de question', confirm], 'disputeSent'],
    ['mauvais article, boutons', ['je veux me plaindre d’un marchand', 'FL-900005', "Ce n'est pas ce que j'ai commandé", 'Leur proposition ne me convient pas', confirm], 'disputeSent'],
    ['coque jamais reçue, boutique muette', ["toujours pas reçu ma coque de téléphone commandée à la boutique", 'FL-900007', 'aucune réponse', confirm], 'disputeSent'],
    ['débité deux fois par la boutique', ["la boutique m'a débité deux fois aidez moi", 'FL-900006', 'pas de réponse de leur part', confirm], 'disputePlatform'],
    ['problème de paiement, adresse', ["j'ai un souci avec un magasin", 'FL-900006', 'Un problème de paiement', 'Leur adresse ne marche pas', confirm], 'disputePlatform'],
    ['paiement, offre refusée', ["le vendeur m'a trop facturé", 'FL-900006', 'ils disent pas de remboursement', confirm], 'disputePlatform'],
    ['chaussures, litige déjà ouvert', ['mes chaussures de course sont jamais arrivées', 'FL-900002', 'pas de réponse', confirm], 'disputeOpen'],
    ['chaussures abîmées, déjà ouvert', ['souci avec un vendeur', 'FL-900002', 'abîmé', 'Ils ont pas répondu', confirm], 'disputeOpen'],
    ['moulin à café trop ancien', ['mon moulin à café est arrivé cassé', 'FL-900003', "ils m'ignorent", confirm], 'disputeTooOld'],
    ['achat ancien, mauvais article', ["mauvais article reçu d'une boutique", 'FL-900003', 'aucune réponse', 'ok'], 'disputeTooOld'],
    ['annule en route', ['litige avec un marchand', 'FL-900001', 'laisse tomber, annule'], 'cancelled'],
    ['veut un humain', ["ma commande n'est jamais arrivée", 'FL-900001', 'je veux parler à un vrai conseiller'], 'human'],
  ],
};

const disputes = (lang: 'en' | 'fr'): Script[] =>
  DISPUTES[lang].map(([name, steps, end], i) => ({ lang, name: `dispute: ${name}`, user: `shopper-${lang}-${i}`, steps, end }));

// ---------------------------------------------------------------- payment not registered (Noah's shop purchases)

type Payment = [string, Step[], End];

/** Each a customer of their own, without a signed-in account (the demo lets anonymous visitors look up the purchases). */
const PAYMENTS: Record<'en' | 'fr', Payment[]> = {
  en: [
    ['transfer 5 days ago, reported', ['my payment isnt showing', 'FL-800002', '5 days ago', 'By bank transfer', 'yes', 'yes', 'no', 'PAY-2024-001234', confirm], 'paymentReported'],
    ['paid in the app, reported', ['i paid my invoice but it still says unpaid', 'FL-800005', '4 days ago', 'in the app', 'yes it left my account', 'yep', 'nope', 'PAY-555-8899', confirm], 'paymentReported'],
    ['all typed, reported', ['payment not registered pls', 'fl 800005', 'four days ago', 'card', 'yes', 'yes they were', 'no i paid the invoice', 'PAY-2024-777001', 'ok'], 'paymentReported'],
    ['date in the first message, reported', ['I paid 5 days ago by transfer and the invoice still says unpaid', 'FL-800002', 'yes', 'yes', 'no', 'PAY-2024-001234', confirm], 'paymentReported'],
    ['invoice already paid', ['my payment doesnt appear', 'FL-800006', '5 days ago', 'card', 'yes', 'yes', 'no', 'PAY-2024-060606', confirm], 'paymentReported'],
    ['invoice cancelled', ['the money left my account but the order is still unpaid', 'FL-800007', '6 days ago', 'card', 'yes', 'yes', 'no', 'PAY-2024-070707', confirm], 'paymentReported'],
    ['paid the shop directly', ['paid but nothing shows up on my invoice', 'FL-800005', '4 days ago', 'in the app', 'yes', 'yes', 'yes i paid the shop directly'], 'paymentPaidShop'],
    ['paid the shop, typed', ['payment not showing??', 'FL-800005', '4 days ago', 'card', 'yep', 'yes', 'yes'], 'paymentPaidShop'],
    ['money never left', ['i paid my invoice but its not registered', 'FL-800005', '4 days ago', 'card', 'no it hasnt'], 'paymentNotDebited'],
    ['not debited, short', ['my payment isnt registered', 'FL-800005', '4 days ago', 'in the app', 'no'], 'paymentNotDebited'],
    ['wrong payee', ['paid the invoice, still shows due', 'FL-800005', '4 days ago', 'card', 'yes', 'no i think i got the reference wrong'], 'paymentPayeeWrong'],
    ['wrong details, short', ['my payment is missing', 'FL-800005', '4 days ago', 'in the app', 'yes', 'no'], 'paymentPayeeWrong'],
    ['paid yesterday by card', ['i paid yesterday and its not showing', 'FL-800001', 'card'], 'paymentWait'],
    ['paid yesterday, asked', ['payment isnt showing', 'FL-800001', 'yesterday', 'In the app or by card'], 'paymentWait'],
    ['transfer yesterday', ['i did a bank transfer yesterday and the invoice is still unpaid', 'FL-800008'], 'paymentWait'],
    ['date and method with the purchase', ['payment not showing', "it's FL-800008, paid yesterday by bank transfer"], 'paymentWait'],
    ['card 2 days ago', ['payment not showing yet', 'FL-800004', '2 days ago', 'card'], 'paymentWait'],
    ['already registered', ['my payment isnt showing', 'FL-800003', '6 days ago', 'card'], 'paymentRegistered'],
    ['cancel halfway', ['my payment isnt showing', 'FL-800002', 'forget it, cancel'], 'cancelled'],
    ['wants a person', ['payment not registered', 'FL-800002', 'can i talk to an agent?'], 'human'],
    ['from the refund topic', ['refund FL-800002 please', "The payment isn't showing", '5 days ago', 'By bank transfer', 'yes', 'yes', 'no', 'PAY-2024-001234', confirm], 'paymentReported'],
  ],
  fr: [
    ['virement il y a 5 jours, signalé', ["mon paiement n'apparaît pas", 'FL-800002', 'il y a 5 jours', 'Par virement bancaire', 'oui', 'oui', 'non', 'PAY-2024-001234', confirm], 'paymentReported'],
    ["payé dans l'appli, signalé", ['jai payé ma facture mais elle est toujours marquée impayée', 'FL-800005', 'il y a 4 jours', "dans l'appli", "oui c'est parti de mon compte", 'ouais', 'non', 'PAY-555-8899', confirm], 'paymentReported'],
    ['tout tapé, signalé', ['paiement pas enregistre svp', 'fl 800005', 'il y a quatre jours', 'carte', 'oui', 'oui c était bon', "non j'ai payé la facture", 'PAY-2024-777001', 'ok'], 'paymentReported'],
    ['date dans le premier message', ["j'ai payé il y a 5 jours par virement et la facture est toujours impayée", 'FL-800002', 'oui', 'oui', 'non', 'PAY-2024-001234', confirm], 'paymentReported'],
    ['facture déjà payée', ["mon paiement n'apparait pas", 'FL-800006', 'il y a 5 jours', 'carte', 'oui', 'oui', 'non', 'PAY-2024-060606', confirm], 'paymentReported'],
    ['facture annulée', ["l'argent est parti de mon compte mais la commande est toujours impayée", 'FL-800007', 'il y a 6 jours', 'carte', 'oui', 'oui', 'non', 'PAY-2024-070707', confirm], 'paymentReported'],
    ['payé la boutique directement', ["j'ai payé mais rien sur ma facture", 'FL-800005', 'il y a 4 jours', "dans l'appli", 'oui', 'oui', "oui j'ai payé la boutique directement"], 'paymentPaidShop'],
    ['payé la boutique, court', ['paiement pas visible ??', 'FL-800005', 'il y a 4 jours', 'carte', 'ouais', 'oui', 'oui'], 'paymentPaidShop'],
    ["l'argent n'est pas parti", ["j'ai payé ma facture mais elle est pas enregistrée", 'FL-800005', 'il y a 4 jours', 'carte', "non pas encore débité"], 'paymentNotDebited'],
    ['pas débité, court', ["mon paiement n'est pas pris en compte", 'FL-800005', 'il y a 4 jours', "dans l'appli", 'non'], 'paymentNotDebited'],
    ['mauvais bénéficiaire', ['facture payée mais toujours due', 'FL-800005', 'il y a 4 jours', 'carte', 'oui', "non, je me suis trompé de référence"], 'paymentPayeeWrong'],
    ['mauvaises coordonnées, court', ['mon paiement a disparu', 'FL-800005', 'il y a 4 jours', "dans l'appli", 'oui', 'non'], 'paymentPayeeWrong'],
    ['payé hier par carte', ["j'ai payé hier et ça apparaît pas", 'FL-800001', 'carte'], 'paymentWait'],
    ['payé hier, demandé', ["paiement qui n'apparaît pas", 'FL-800001', 'hier', "Dans l'application ou par carte"], 'paymentWait'],
    ['virement hier', ["j'ai fait un virement hier et la facture est toujours impayée", 'FL-800008'], 'paymentWait'],
    ['date et moyen avec l’achat', ['paiement pas visible', "c'est la FL-800008, virement fait hier"], 'paymentWait'],
    ['carte il y a 2 jours', ['paiement toujours pas visible', 'FL-800004', 'il y a 2 jours', 'carte'], 'paymentWait'],
    ['déjà enregistré', ["mon paiement n'apparaît pas", 'FL-800003', 'il y a 6 jours', 'carte'], 'paymentRegistered'],
    ['annule en route', ["mon paiement n'apparaît pas", 'FL-800002', 'laisse tomber, annule'], 'cancelled'],
    ['veut un humain', ['paiement pas enregistré', 'FL-800002', 'je veux parler à un conseiller'], 'human'],
    ['depuis le sujet remboursement', ['remboursement FL-800002 svp', "Le paiement n'apparaît pas", 'il y a 5 jours', 'Par virement bancaire', 'oui', 'oui', 'non', 'PAY-2024-001234', confirm], 'paymentReported'],
  ],
};

/** The payment-not-registered conversations (topic from h12core). */
export const PAYMENT_SCRIPTS: Script[] = (['en', 'fr'] as const).flatMap((lang) =>
  PAYMENTS[lang].map(([name, steps, end], i): Script => ({ lang, name: `payment: ${name}`, user: `payer-${lang}-${i}`, steps, end })),
);

export const SCRIPTS: Script[] = [...build('en'), ...build('fr'), ...disputes('en'), ...disputes('fr'), ...PAYMENT_SCRIPTS];
