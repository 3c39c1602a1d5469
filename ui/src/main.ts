// The global styles come first, so a component's own rules refine them rather than lose to them.
import "./app.css";
import { mount } from "svelte";
import App from "./App.svelte";
import { applyTheme, cachedTheme } from "./lib/settings/theme";

// Before the first paint, so a dark-theme user never sees a light flash while the settings load.
applyTheme(cachedTheme());

const target = document.getElementById("app");
if (!target) throw new Error("missing #app element");

export default mount(App, { target });
