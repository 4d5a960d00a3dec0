// The few DOM helpers every screen uses. Text always goes in as textContent: nothing the app
// sends (a name, an issuer, a reason) is ever parsed as markup.

import { t } from "./i18n";

/** The element with this id (index.html has every one the screens use). */
export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export function cell(text: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

/** A table's header cells, one per message key. */
export function headCells(keys: readonly string[]): HTMLTableCellElement[] {
  return keys.map((k) => {
    const th = document.createElement("th");
    th.textContent = t(k);
    return th;
  });
}

/** One list item per line. */
export function lineItems(lines: readonly string[]): HTMLLIElement[] {
  return lines.map((l) => {
    const li = document.createElement("li");
    li.textContent = l;
    return li;
  });
}

/** Takes focus off whatever field or button has it, so keys go to the page's handlers again. */
export function blurActive(): void {
  if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
}
