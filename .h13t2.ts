import { recognizeCurrency } from '@microsoft/recognizers-text-number-with-unit';
const t1 = Date.now();
recognizeCurrency('quarante-neuf euros', 'fr-fr'); const t3 = Date.now();
console.log({ curFr: t3 - t1 });
