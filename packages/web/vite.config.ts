import { defineConfig } from "vite"

// The workspace's packages are bundled from their TypeScript sources ("@telos/source"), so the app
// needs no build of them first; `base: "./"` makes the output a folder any static server can serve.
export default defineConfig({
  base: "./",
  resolve: { conditions: ["@telos/source", "module", "browser", "development|production"] },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 4096 },
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" }
})
