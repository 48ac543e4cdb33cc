/** The fenced blocks of one language (`js`, `sh`, …) in the `## heading` section of a README. */
export function blocksUnder(readme: string, heading: string, lang: string): string[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith(heading));
  if (!section) throw new Error(`README has no section "${heading}"`);
  return [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] as string);
}
