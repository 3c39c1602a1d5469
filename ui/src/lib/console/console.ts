/** The console's pure parts: the command a user typed, and the tasks a console can open in. */

import type { TaskInfo } from "../../bindings";

/**
 * Splits a typed command into program and arguments the way a shell would for plain words and quotes: `'…'` and
 * `"…"` keep spaces, a backslash keeps the next character. Null when a quote is left open.
 */
export function parseCommand(text: string): string[] | null {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (quote) {
      if (char === quote) quote = null;
      else if (char === "\\" && quote === '"' && i + 1 < text.length) word += text.charAt(++i);
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === "\\" && i + 1 < text.length) {
      word += text.charAt(++i);
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) return null;
  if (inWord) words.push(word);
  return words;
}

/** Slots of the tasks that run now, lowest first: where a console can open. */
export function runningSlots(tasks: TaskInfo[]): number[] {
  const slots = tasks
    .filter((task) => task.state === "running" && task.desired_state === "running" && task.slot !== null)
    .map((task) => task.slot as number);
  return [...new Set(slots)].sort((a, b) => a - b);
}

/**
 * Sends a console's typed input in order. Each command call runs on a task of its own in the backend, so two calls
 * in flight can reach the program in either order (typed fast, "console" arrived as "cosnole"): one call at a time,
 * and what is typed meanwhile goes next, joined.
 */
export function inOrder(send: (data: string) => Promise<unknown>): (data: string) => void {
  let pending = "";
  let sending = false;
  const drain = async (): Promise<void> => {
    sending = true;
    try {
      while (pending) {
        const chunk = pending;
        pending = "";
        await send(chunk).catch(() => undefined);
      }
    } finally {
      sending = false;
    }
  };
  return (data) => {
    pending += data;
    if (!sending) void drain();
  };
}
