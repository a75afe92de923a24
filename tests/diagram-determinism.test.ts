/**
 * A diagram is drawn the same every time: Mermaid's class and state shapes go through rough.js, which draws with a
 * random seed unless it is given one. Two cold builds of a book must give the same bytes (reproducible), and a
 * drawing must not depend on what its page drew before (the diagram cache keeps one drawing per fence).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type GalleyBrowser } from '../scripts/render/browser.ts';
import { mermaidConfig, openDiagramPage } from '../scripts/render/diagrams/mermaid-page.ts';

const CLASSES =
  'classDiagram\n  class Optimiser {\n    +float rate\n    +step() void\n  }\n  Optimiser <|-- Momentum\n';
const STATES = 'stateDiagram-v2\n  [*] --> Warmup\n  Warmup --> Steady\n  Steady --> [*]\n';

let browser: GalleyBrowser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => browser?.close());

async function drawAll(sources: string[]): Promise<string[]> {
  const page = await openDiagramPage(browser, [], mermaidConfig('serif'), 30_000);
  try {
    const drawn: string[] = [];
    for (const source of sources) {
      const result = await page.draw(source);
      if ('error' in result) throw new Error(result.error);
      drawn.push(result.svg);
    }
    return drawn;
  } finally {
    await page.close();
  }
}

describe('a Mermaid drawing', () => {
  it('is the same in two pages, and after another drawing in the same page', async () => {
    const [first] = await drawAll([CLASSES]);
    const [second] = await drawAll([CLASSES]);
    const [, afterStates] = await drawAll([STATES, CLASSES]);
    expect(first).toContain('<path');
    expect(second).toBe(first);
    expect(afterStates).toBe(first);
  });
});
