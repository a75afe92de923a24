import { defaultSchema, type Schema } from 'hast-util-sanitize';

/** MathML presentation elements (MathML Core plus what TeX converters emit). */
const MATHML = [
  'math', 'semantics', 'annotation', 'mrow', 'mi', 'mn', 'mo', 'ms', 'mtext', 'mspace', 'mfrac', 'msqrt', 'mroot',
  'msub', 'msup', 'msubsup', 'munder', 'mover', 'munderover', 'mmultiscripts', 'mprescripts', 'none', 'mtable', 'mtr',
  'mtd', 'mstyle', 'mpadded', 'mphantom', 'menclose', 'merror', 'mlabeledtr',
];
const MATHML_ATTRIBUTES = [
  'display', 'mathvariant', 'mathsize', 'mathcolor', 'stretchy', 'symmetric', 'largeop', 'movablelimits', 'accent',
  'accentunder', 'fence', 'separator', 'form', 'lspace', 'rspace', 'minsize', 'maxsize', 'width', 'height', 'depth',
  'voffset', 'linethickness', 'scriptlevel', 'displaystyle', 'columnalign', 'rowalign', 'columnspacing', 'rowspacing',
  'columnlines', 'rowlines', 'frame', 'notation', 'encoding', 'rowspan', 'columnspan', 'xmlns', 'dir',
];
/** Static SVG drawing: no `image`, `use`, `foreignObject`, scripts, animation or event handlers. */
export const SVG_ELEMENTS = [
  'svg', 'g', 'path', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon', 'text', 'tspan', 'title', 'desc',
  'defs', 'linearGradient', 'radialGradient', 'stop', 'marker', 'clipPath', 'pattern', 'symbol',
];
const SVG_ATTRIBUTES = [
  'xmlns', 'viewBox', 'width', 'height', 'x', 'y', 'x1', 'x2', 'y1', 'y2', 'cx', 'cy', 'r', 'rx', 'ry', 'd', 'points',
  'fill', 'fillOpacity', 'fillRule', 'stroke', 'strokeWidth', 'strokeDasharray', 'strokeLinecap', 'strokeLinejoin',
  'strokeOpacity', 'opacity', 'transform', 'textAnchor', 'dominantBaseline', 'fontFamily', 'fontSize', 'fontWeight',
  'fontStyle', 'offset', 'stopColor', 'stopOpacity', 'gradientUnits', 'gradientTransform', 'preserveAspectRatio',
  'markerWidth', 'markerHeight', 'refX', 'refY', 'orient', 'markerEnd', 'markerStart', 'clipPathUnits', 'role',
  'patternUnits', 'dx', 'dy', 'id', 'className',
];

/**
 * Values that cannot make a request. A `style` may call only colour and `calc`
 * functions (no `url()`, `image-set()`, escapes or at-rules); SVG paint and
 * marker attributes may point only into the document (`url(#id)`).
 */
const SAFE_STYLE = /^(?:[^\\@<>()]|\b(?:rgba?|hsla?|calc)\([^\\@<>()]*\))*$/i;
const SAFE_PAINT = /^(?:[^\\@<>()]|url\(\s*(["']?)#[\w.:-]+\1\s*\)|\b(?:rgba?|hsla?)\([^\\@<>()]*\))*$/i;
const PAINT = ['fill', 'stroke', 'markerEnd', 'markerStart', 'markerMid'];
type Definition = NonNullable<Schema['attributes']>[string][number];
const svgAttributes: Definition[] = SVG_ATTRIBUTES.map((name) => (PAINT.includes(name) ? [name, SAFE_PAINT] : name));

const base = defaultSchema.attributes!['*']!.filter(
  (name) => !['action', 'method', 'encType', 'acceptCharset', 'accept', 'accessKey', 'tabIndex', 'name', 'prompt', 'useMap', 'isMap', 'noHref', 'coords', 'shape'].includes(name as string),
);

/** GitHub's per-tag lists pin `className` to a few values; classes only style, so books may use any. */
const defaultsWithoutClassPins = Object.fromEntries(
  Object.entries(defaultSchema.attributes!).map(([tag, list]) => [tag, list.filter((entry) => !(Array.isArray(entry) && entry[0] === 'className'))]),
);

/**
 * A sanitize schema written for books: GitHub's allow-list plus MathML and
 * static SVG, with every event handler, script, frame, object, `base`, `meta`,
 * `link`, `style` and non-web URL removed. Relative URLs stay for the path
 * checks that follow; remote images are refused later, not here.
 */
export const sanitizeSchema: Schema = {
  ...defaultSchema,
  clobberPrefix: '',
  clobber: [],
  tagNames: [
    ...defaultSchema.tagNames!.filter((name) => !['input'].includes(name)),
    'input', 'figure', 'figcaption', 'section', 'aside', 'abbr', 'mark', 'small', 'cite', 'dfn', 'u', 'caption', 'col',
    'colgroup', 'center', 'span', 'div', 'kbd', 'var', 'samp', 'time', 'bdi', 'bdo', 'wbr', 'video', 'audio', 'iframe',
    ...MATHML, ...SVG_ELEMENTS,
  ],
  attributes: {
    ...defaultsWithoutClassPins,
    '*': [...base, 'className', 'role', 'ariaHidden', 'ariaLabel', 'ariaDescribedBy', 'ariaLabelledBy', 'dataFootnoteRef', 'dataFootnoteBackref', 'dataFootnotes', 'translate', 'epub:type'],
    a: [...defaultsWithoutClassPins.a!, 'className'],
    code: ['className'],
    img: ['src', 'alt', 'title', 'width', 'height', 'ariaLabel', 'ariaDescribedBy'],
    ol: ['start', 'reversed', 'type', 'className'],
    // Unprintable media are turned into figures with links later; their URLs are kept, never fetched.
    video: ['src', 'poster', 'title', 'width', 'height'],
    audio: ['src', 'title'],
    iframe: ['src', 'title', 'width', 'height'],
    source: ['src', 'type'],
    ...Object.fromEntries(MATHML.map((name) => [name, [...MATHML_ATTRIBUTES, ['style', SAFE_STYLE]]])),
    ...Object.fromEntries(SVG_ELEMENTS.map((name) => [name, svgAttributes])),
  },
  protocols: {
    href: ['http', 'https', 'mailto'],
    src: ['http', 'https'],
    poster: ['http', 'https'],
    cite: ['http', 'https'],
    longDesc: ['http', 'https'],
  },
  required: { input: { disabled: true, type: 'checkbox' } },
  strip: ['script', 'style', 'template', 'noscript', 'object', 'embed', 'base', 'meta', 'link', 'head', 'foreignObject'],
};
