// One set of message keys for the screen and for Rust-side text (receipts, errors):
// assets/i18n/messages.json, key → {"zh-CN": …, "en": …}. Simplified Chinese by default.

import messages from "../../assets/i18n/messages.json";

export type Lang = "zh-CN" | "en";

type Catalogue = Record<string, Record<Lang, string>>;
const catalogue = messages as Catalogue;

let current: Lang = "zh-CN";

export function setLang(lang: Lang): void {
  current = lang;
  if (typeof document !== "undefined") document.documentElement.lang = lang;
}

export function lang(): Lang {
  return current;
}

export function has(key: string): boolean {
  return catalogue[key] !== undefined;
}

/** The message for `key` in the current language, with `{name}` placeholders filled in. */
export function t(key: string, vars: Record<string, string | number> = {}, in_: Lang = current): string {
  const entry = catalogue[key];
  const text = entry ? entry[in_] : key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) =>
    vars[name] === undefined ? `{${name}}` : String(vars[name]),
  );
}

/** Every key, for the catalogue's own tests. */
export function keys(): string[] {
  return Object.keys(catalogue);
}
