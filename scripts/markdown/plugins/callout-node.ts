import type { RootContent } from 'mdast';
import { CALLOUT_ICONS, CALLOUT_TITLES, type CalloutKind } from '../../model/callouts.ts';

/**
 * The callout element every dialect becomes: `<aside class="callout callout-KIND" role="note" aria-label=TITLE>`
 * with a title line (an icon hidden from screen readers, then the words) and the author's content.
 */
export function calloutNode(
  kind: CalloutKind,
  title: RootContent[] | undefined,
  children: RootContent[],
  position?: RootContent['position'],
): RootContent {
  const words: RootContent[] = title?.length ? title : [{ type: 'text', value: CALLOUT_TITLES[kind] }];
  const label = plain(words) || CALLOUT_TITLES[kind];
  return {
    type: 'galleyBlock',
    data: {
      hName: 'aside',
      hProperties: { className: ['callout', `callout-${kind}`], role: 'note', ariaLabel: label },
    },
    position,
    children: [
      {
        type: 'paragraph',
        data: { hProperties: { className: ['callout-title'] } },
        children: [
          {
            type: 'galleyInline',
            data: { hName: 'span', hProperties: { className: ['callout-icon'], ariaHidden: 'true' } },
            children: [{ type: 'text', value: CALLOUT_ICONS[kind] }],
          },
          { type: 'text', value: ' ' },
          ...words,
        ],
      },
      ...children,
    ],
  } as unknown as RootContent;
}

function plain(nodes: RootContent[]): string {
  return nodes
    .map((n) => ('value' in n ? String(n.value) : 'children' in n ? plain(n.children as RootContent[]) : ''))
    .join('')
    .trim();
}
