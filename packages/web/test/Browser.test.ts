/**
 * The app in a real headless Chromium (Debian's `chromium`, driven by playwright-core): built by
 * Vite into a temporary folder and served by a plain static server, as any web server would
 * serve it. The page must load without console errors, plan episodes of two-rooms and of a maze
 * to success with the shipped models, draw the imagined frames, open a results file, and say so
 * through `dataset.status` and `window.telosRun`. Screenshots are kept in `test-results/`.
 */
import { existsSync } from "node:fs"
import { mkdir, mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type Browser, chromium, type Page } from "playwright-core"
import { build, createServer } from "vite"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { RunSummary } from "../src/plan/PlanView.js"
import { type StaticServer, serveFolder } from "./fixtures/StaticServer.js"

const webRoot = fileURLToPath(new URL("..", import.meta.url))
const unicycleModule = fileURLToPath(new URL("../../../examples/unicycle.ts", import.meta.url))
const screenshots = join(webRoot, "test-results")
const chromiumPath = process.env.TELOS_CHROMIUM ?? "/usr/bin/chromium"

let outDir = ""
let server: StaticServer
let browser: Browser

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: apt-get install chromium (or set TELOS_CHROMIUM)`)
  }
  outDir = await mkdtemp(join(tmpdir(), "telos-web-"))
  await build({ root: webRoot, logLevel: "error", build: { outDir, emptyOutDir: true } })
  server = await serveFolder(outDir)
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--enable-unsafe-swiftshader", "--use-angle=swiftshader"]
  })
  await mkdir(screenshots, { recursive: true })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  if (outDir !== "") await rm(outDir, { recursive: true, force: true })
})

/** Opens the page at `query` and collects its console errors and uncaught exceptions. */
const open = async (query: string): Promise<{ readonly page: Page; readonly errors: Array<string> }> => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
  const errors: Array<string> = []
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text())
  })
  page.on("pageerror", (error) => errors.push(error.message))
  await page.goto(`${server.url}?${query}`)
  return { page, errors }
}

const finished = (page: Page, timeout: number) =>
  page.waitForFunction(
    () => ["done", "error"].includes(document.documentElement.dataset.status ?? ""),
    null,
    { timeout }
  )

const plan = async (query: string, screenshot: string) => {
  const { page, errors } = await open(query)
  await finished(page, 240_000)
  const status = await page.evaluate(() => document.documentElement.dataset.status)
  const notice = await page.locator("#notice").textContent()
  expect(status, notice ?? "").toBe("done")
  const run = (await page.evaluate(() => window.telosRun)) as RunSummary
  await page.screenshot({ path: join(screenshots, screenshot), fullPage: true })
  return { page, errors, run }
}

/** Distinct colours painted into a canvas: a blank or single-colour frame has one. */
const colours = (page: Page, selector: string) =>
  page.locator(selector).evaluate((canvas: HTMLCanvasElement) => {
    const context = canvas.getContext("2d") as CanvasRenderingContext2D
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height)
    const seen = new Set<number>()
    for (let index = 0; index < data.length; index += 4) {
      seen.add(
        ((data[index] as number) << 16) | ((data[index + 1] as number) << 8) | (data[index + 2] as number)
      )
    }
    return seen.size
  })

describe("the web app in Chromium", () => {
  it("plans two-rooms episodes to success on WebAssembly and draws what the model imagines", async () => {
    const { page, errors, run } = await plan(
      "env=two-rooms&episodes=2&autoplay=1&backend=wasm",
      "two-rooms.png"
    )
    expect(errors).toEqual([])
    expect(run).toMatchObject({ env: "two-rooms", backend: "wasm", episodes: 2, successes: 2 })
    expect(run.planMsPerStep).toBeGreaterThan(0)
    // The path taken and the best plan's predicted path are on the map.
    expect(await page.locator("#map polyline.path-taken").count()).toBe(1)
    expect(await page.locator("#map polyline.path-predicted").count()).toBe(1)
    // The real frame and the decoder's imagined frames, each with an actual picture in it.
    expect(await colours(page, 'canvas[data-frame="real"]')).toBeGreaterThan(1)
    const imagined = page.locator('canvas[data-frame^="imagined-"]')
    expect(await imagined.count()).toBeGreaterThanOrEqual(2)
    expect(await colours(page, 'canvas[data-frame^="imagined-"] >> nth=0')).toBeGreaterThan(8)
    await page.close()
  }, 300_000)

  it("plans a maze episode to success with two levels, drawing the subgoal they hand down", async () => {
    const { page, errors, run } = await plan(
      "env=maze-medium&agent=hierarchical%2Bmemory&episodes=1&autoplay=1",
      "maze-medium.png"
    )
    expect(errors).toEqual([])
    // Chosen automatically: each better backend passed over is named with the reason.
    const passedOver = (await page.locator("#backend").getAttribute("title")) ?? ""
    const order = ["webgpu", "webgl", "wasm", "cpu"]
    for (const better of order.slice(0, order.indexOf(run.backend)))
      expect(passedOver).toContain(`${better}:`)
    expect(run).toMatchObject({ env: "maze-medium", agent: "hierarchical+memory", episodes: 1, successes: 1 })
    expect(await page.locator("#map circle.subgoal.level-1").count()).toBe(1)
    expect(await page.locator('canvas[data-frame^="imagined-"]').count()).toBeGreaterThanOrEqual(2)
    await page.close()
  }, 300_000)

  it("opens a run's results.json in the results tab", async () => {
    const { page, errors } = await open("")
    await finished(page, 120_000)
    await page.locator('.tabs button[data-tab="results"]').click()
    await page
      .locator('#results input[type="file"]')
      .setInputFiles(join(webRoot, "test/results/fixtures/run-two-rooms.json"))
    await page.locator("#results svg").first().waitFor({ timeout: 30_000 })
    expect(await page.locator("#results [role=alert]:not(:empty)").count()).toBe(0)
    expect(await page.locator("#results svg").count()).toBeGreaterThanOrEqual(2)
    await page.screenshot({ path: join(screenshots, "results.png"), fullPage: true })
    expect(errors).toEqual([])
    await page.close()
  }, 180_000)

  it("reports an error status for a model it does not have", async () => {
    const { page } = await open("env=no-such-env&autoplay=1")
    await finished(page, 120_000)
    expect(await page.evaluate(() => document.documentElement.dataset.status)).toBe("error")
    expect(await page.locator("#notice").textContent()).toContain('no model for "no-such-env"')
    await page.close()
  }, 180_000)

  it("plans in an environment module of the user's, loaded by the development server", async () => {
    const dev = await createServer({
      root: webRoot,
      logLevel: "error",
      server: { port: 0, host: "127.0.0.1", strictPort: false }
    })
    await dev.listen()
    try {
      const page = await browser.newPage()
      const errors: Array<string> = []
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text())
      })
      page.on("pageerror", (error) => errors.push(error.message))
      const url = dev.resolvedUrls?.local[0] as string
      await page.goto(
        `${url}?envModule=${encodeURIComponent(unicycleModule)}&model=unicycle&episodes=1&autoplay=1&backend=wasm`
      )
      await finished(page, 240_000)
      expect(await page.evaluate(() => document.documentElement.dataset.status)).toBe("done")
      expect(await page.evaluate(() => window.telosRun)).toMatchObject({
        env: "unicycle",
        episodes: 1,
        successes: 1
      })
      await page.screenshot({ path: join(screenshots, "unicycle.png"), fullPage: true })
      expect(errors).toEqual([])
      await page.close()
    } finally {
      await dev.close()
    }
  }, 300_000)

  it("says which module to load for a model of an environment it does not know", async () => {
    const { page } = await open("model=unicycle")
    await finished(page, 120_000)
    expect(await page.evaluate(() => document.documentElement.dataset.status)).toBe("error")
    expect(await page.locator("#notice").textContent()).toContain("load its module first")
    await page.close()
  }, 180_000)
})
