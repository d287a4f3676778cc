// TypeDoc plugin: names each entry module by its import specifier (`@telos/core/fp-ts`) instead of
// its path (`core/src/FpTs`).
import { Converter, ReflectionKind } from "typedoc"
import { entries } from "./entries.mjs"

const specifierByFile = new Map(entries.map((entry) => [entry.file.replaceAll("\\", "/"), entry.specifier]))

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Module)) return
    const symbol = context.getSymbolFromReflection(reflection)
    const fileName = symbol?.declarations?.[0]?.getSourceFile().fileName
    const specifier = fileName === undefined ? undefined : specifierByFile.get(fileName.replaceAll("\\", "/"))
    if (specifier !== undefined) reflection.name = specifier
  })
}
