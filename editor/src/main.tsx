import { createRoot } from "react-dom/client";
import "@xyflow/react/dist/style.css";
import "./styles.css";
import { App } from "./App.js";
import { prefetch } from "./api.js";

// The catalog, the flow list and the statuses are wanted at once: ask for them before React renders.
prefetch(["/api/nodes", "/api/flows", "/api/status"]);

createRoot(document.getElementById("root")!).render(<App />);
