/**
 * Small helpers for the SVG pictures environments render.
 *
 * @module
 */

const entities: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;"
}

/**
 * Escapes text for use inside SVG markup; ids and labels come from users.
 *
 * @example
 * ```ts
 * escapeXml("a<b") // "a&lt;b"
 * ```
 */
export const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (character) => entities[character] ?? "")

/**
 * Wraps drawing commands in an SVG document of the given pixel size and view box.
 *
 * @example
 * ```ts
 * svgDocument({ width: 100, height: 100, viewBox: "0 0 1 1" }, '<circle cx="0.5" cy="0.5" r="0.1"/>')
 * ```
 */
export const svgDocument = (
  frame: { readonly width: number; readonly height: number; readonly viewBox: string },
  body: string
): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${frame.width}" height="${frame.height}" ` +
  `viewBox="${frame.viewBox}">${body}</svg>`

/**
 * The picture of an environment that draws nothing of its own: its id and its observation as text.
 *
 * @example
 * ```ts
 * fallbackSvg("line", Float64Array.of(0.5)) // "<svg ...>line ... 0.5</svg>"
 * ```
 */
export const fallbackSvg = (id: string, observation: Float64Array | undefined): string => {
  const values =
    observation === undefined
      ? "not reset yet"
      : Array.from(observation, (value) => Number(value.toPrecision(4))).join(", ")
  return svgDocument(
    { width: 320, height: 60, viewBox: "0 0 320 60" },
    `<rect width="320" height="60" fill="#f6f6f6"/>` +
      `<text x="10" y="24" font-family="monospace" font-size="14">${escapeXml(id)}</text>` +
      `<text x="10" y="46" font-family="monospace" font-size="12">[${escapeXml(values)}]</text>`
  )
}
