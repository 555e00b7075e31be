/**
 * Real country facts from the `countries-list` package (MIT, Annexare Studio) as E2E-style meaning
 * representations with template-written English references: the material of the demo
 * data-to-text set (./demo.ts).
 *
 *   name[Japan], capital[Tokyo], continent[Asia], currency[Japanese Yen], language[Japanese], phone[+81]
 *   → "The capital of Japan is Tokyo. It lies in Asia. Its calling code is +81."
 *
 * Facts per country (the package's English fields; codes mapped to names with its own tables):
 * name; capital (countries without one are left out); continent (code → continents table);
 * currency (the first listed, code → its English name in countries-list/currencies, e.g. JPY →
 * 'Japanese Yen', so references can copy it from the MR); language (the first two listed, code →
 * languages table, 'X' or 'X and Y'); phone (the first calling code, '+81'). Nothing is
 * transliterated: names are the package's English ones (a few have accents, e.g. Bogotá).
 *
 * References are written from templates, NOT by people as E2E's are: every attribute has three
 * phrasings (variants 0–2), each with a form naming the country and a form with a pronoun; a
 * reference takes one variant, orders the facts at random, names the country in its first clause
 * and joins the clauses as separate sentences or as one sentence ("A, B and C."). An MR's
 * references use different variants, so they differ in wording as E2E's do.
 */

import { continents, countries, languages } from 'countries-list';
import { currencies } from 'countries-list/currencies';
import type { Rng } from '../../core/rng';

/** The attributes besides `name`, in MR order. */
export const COUNTRY_ATTRIBUTES = ['capital', 'continent', 'currency', 'language', 'phone'] as const;
export type CountryAttribute = (typeof COUNTRY_ATTRIBUTES)[number];

export interface CountryFacts {
  /** ISO 3166-1 alpha-2 code, e.g. 'JP'. */
  code: string;
  name: string;
  capital: string;
  continent?: string;
  currency?: string;
  /** one or two language names. */
  languages: string[];
  phone?: string;
}

/** Every country with a capital, by code. */
export function countryFacts(): CountryFacts[] {
  const out: CountryFacts[] = [];
  for (const code of Object.keys(countries).sort()) {
    const c = countries[code as keyof typeof countries];
    if (!c.capital) continue;
    const currency = c.currency[0] !== undefined ? currencies[c.currency[0] as keyof typeof currencies]?.name : undefined;
    out.push({
      code,
      name: c.name,
      capital: c.capital,
      continent: continents[c.continent],
      currency,
      languages: c.languages.slice(0, 2).flatMap((l) => languages[l as keyof typeof languages]?.name ?? []),
      phone: c.phone[0] !== undefined ? `+${c.phone[0]}` : undefined,
    });
  }
  return out;
}

/** The attributes a country has a value for. */
export function availableAttributes(f: CountryFacts): CountryAttribute[] {
  return COUNTRY_ATTRIBUTES.filter((a) => (a === 'language' ? f.languages.length > 0 : a === 'capital' ? true : f[a] !== undefined));
}

function valueOf(f: CountryFacts, a: CountryAttribute): string {
  if (a === 'language') return f.languages.join(' and ');
  return f[a] as string;
}

/** `name[Japan], capital[Tokyo], …` with the attributes in COUNTRY_ATTRIBUTES order. */
export function countryMr(f: CountryFacts, attrs: readonly CountryAttribute[]): string {
  const ordered = COUNTRY_ATTRIBUTES.filter((a) => attrs.includes(a));
  return [`name[${f.name}]`, ...ordered.map((a) => `${a}[${valueOf(f, a)}]`)].join(', ');
}

type Clause = (f: CountryFacts, lead: boolean) => string;

/** CLAUSES[attribute][variant](facts, lead): lead names the country, otherwise a pronoun stands for it. */
const CLAUSES: Record<CountryAttribute, [Clause, Clause, Clause]> = {
  capital: [
    (f, lead) => (lead ? `the capital of ${f.name} is ${f.capital}` : `its capital is ${f.capital}`),
    (f, lead) => `${lead ? f.name : 'it'} has its capital in ${f.capital}`,
    (f, lead) => (lead ? `${f.capital} is the capital city of ${f.name}` : `the capital city is ${f.capital}`),
  ],
  continent: [
    (f, lead) => `${lead ? f.name : 'it'} is a country in ${f.continent}`,
    (f, lead) => `${lead ? f.name : 'it'} lies in ${f.continent}`,
    (f, lead) => `${lead ? f.name : 'it'} is located in ${f.continent}`,
  ],
  currency: [
    (f, lead) => (lead ? `the currency of ${f.name} is the ${f.currency}` : `its currency is the ${f.currency}`),
    (f, lead) => `${lead ? f.name : 'it'} uses the ${f.currency}`,
    (f, lead) => `people ${lead ? `in ${f.name}` : 'there'} pay with the ${f.currency}`,
  ],
  language: [
    (f, lead) => `${lead ? `the ${f.languages.length > 1 ? 'languages' : 'language'} of ${f.name}` : `its ${f.languages.length > 1 ? 'languages' : 'language'}`} ${f.languages.length > 1 ? 'are' : 'is'} ${valueOf(f, 'language')}`,
    (f, lead) => `people ${lead ? `in ${f.name}` : 'there'} speak ${valueOf(f, 'language')}`,
    (f, lead) => `${valueOf(f, 'language')} ${f.languages.length > 1 ? 'are' : 'is'} spoken ${lead ? `in ${f.name}` : 'there'}`,
  ],
  phone: [
    (f, lead) => (lead ? `the calling code of ${f.name} is ${f.phone}` : `its calling code is ${f.phone}`),
    (f, lead) => `${lead ? f.name : 'it'} has the dialling code ${f.phone}`,
    (f, lead) => `callers dial ${f.phone} to reach ${lead ? f.name : 'it'}`,
  ],
};

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** One reference for the facts `attrs` of `f` in phrasing `variant` (0–2); order and joining from `rng`. */
export function countryReference(f: CountryFacts, attrs: readonly CountryAttribute[], variant: number, rng: Rng): string {
  if (attrs.length === 0) throw new Error('countryReference: no attributes');
  const order = rng.shuffle([...attrs]);
  const clauses = order.map((a, i) => CLAUSES[a][variant](f, i === 0));
  if (clauses.length === 1 || rng.bernoulli(0.5)) return clauses.map((c) => `${capitalise(c)}.`).join(' ');
  const last = clauses.pop() as string;
  return `${capitalise(clauses.join(', '))} and ${last}.`;
}

/** Every subset of `attrs` with 1..maxSize attributes (MRs of 2..maxSize+1 slots with the name). */
export function attributeSubsets(attrs: readonly CountryAttribute[], maxSize: number): CountryAttribute[][] {
  const out: CountryAttribute[][] = [];
  for (let mask = 1; mask < 1 << attrs.length; mask++) {
    const subset = attrs.filter((_, i) => mask & (1 << i));
    if (subset.length <= maxSize) out.push(subset);
  }
  return out;
}
