import { describe, expect, it } from "vitest";
import { has, keys, setLang, t } from "./i18n";

describe("messages", () => {
  it("has every key in both languages, with the same placeholders", () => {
    for (const key of keys()) {
      const zh = t(key, {}, "zh-CN");
      const en = t(key, {}, "en");
      expect(zh, key).not.toBe("");
      expect(en, key).not.toBe("");
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(zh), key).toEqual(names(en));
    }
  });

  it("names every verdict and check", () => {
    for (const v of ["VALID", "INVALID", "CANNOT_CONFIRM"]) expect(has(`verdict.${v}`)).toBe(true);
    for (const c of ["format", "signature", "issuer", "validity", "anchor", "revocation"])
      expect(has(`check.${c}`)).toBe(true);
  });

  it("switches language and fills placeholders", () => {
    setLang("en");
    expect(t("log.entry", { seq: 7 })).toBe("logged #7");
    setLang("zh-CN");
    expect(t("log.entry", { seq: 7 })).toBe("已记录 #7");
    expect(t("no.such.key")).toBe("no.such.key");
  });
});
