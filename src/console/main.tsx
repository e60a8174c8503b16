import { render } from "preact";
import { App } from "./app.js";
import "./styles.css";

// The console's entry: mounts the shell into #app.

const root = document.getElementById("app");
if (root !== null) render(<App />, root);
