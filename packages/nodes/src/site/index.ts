import energyBalance from "./energy-balance.js";
import surplusRule from "./surplus-rule.js";
import siteSummary from "./site-summary.js";

/** The site nodes: the energy balance across flows, the surplus rule and the summary endpoint. */
export const siteNodes = [energyBalance, surplusRule, siteSummary];
export { energyBalance, surplusRule, siteSummary };
