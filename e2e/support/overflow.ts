// Sideways scrolling at phone width: the page must fit its window; a table or code block may scroll inside its own
// box. A failure names the innermost elements that reach past the window.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

export interface Overflow {
  scrollWidth: number;
  innerWidth: number;
  widest: string[];
}

/** How wide the page is, and the innermost elements reaching past the window (outside any scrolling box). */
export async function horizontalOverflow(page: Page): Promise<Overflow> {
  // A string, evaluated in the page: the test runs in Node, without DOM types.
  return page.evaluate<Overflow>(`(() => {
    const scrollsOwnBox = (e) => {
      for (let p = e.parentElement; p; p = p.parentElement)
        if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) return true;
      return false;
    };
    const past = [...document.querySelectorAll('body *')].filter(
      (e) => e.getBoundingClientRect().right > window.innerWidth + 0.5 && !scrollsOwnBox(e),
    );
    const innermost = past.filter((e) => !past.some((o) => o !== e && e.contains(o)));
    return {
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      widest: innermost.slice(0, 5).map(
        (e) => e.tagName.toLowerCase() + (e.getAttribute('role') ? '[role=' + e.getAttribute('role') + ']' : '') + ' "' + (e.textContent ?? '').trim().slice(0, 40) + '" ' + Math.round(e.getBoundingClientRect().right),
      ),
    };
  })()`);
}

export async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const { scrollWidth, innerWidth, widest } = await horizontalOverflow(page);
  expect(
    scrollWidth,
    `${new URL(page.url()).pathname} is ${scrollWidth} px wide in a ${innerWidth} px window: ${widest.join('; ')}`,
  ).toBeLessThanOrEqual(innerWidth);
}
