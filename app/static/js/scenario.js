// Scenario mode: the hook for issue 7's last part, not built yet.
//
// Placing a proposed site and seeing the norms re-checked needs the scenarios API, which does not
// exist. When it does, set `available` to true and implement `enable(ctx)`: ctx gives the map,
// the chosen city and rule, and `refresh()`, which reloads compliance, gaps and tiles (tile URLs
// will then carry the scenario id). main.js enables the panel's scenario button from this object.

export const scenarioMode = {
  available: false,
  enable() {
    throw new Error('scenario mode needs the scenarios API, which does not exist yet');
  },
};
