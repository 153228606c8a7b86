/**
 * The site's energy balance at one instant, from what the meters say. The
 * grid is not metered: it is what is left once production, consumption and
 * the battery are known, so production + import = consumption + export +
 * battery charge holds at every instant, and therefore for every energy
 * integrated from these powers by the trapezoid rule (the rule is linear).
 */
export interface SiteReadings {
  /** PV array power, W. */
  pv: number;
  /** Power into the battery from the charge controller, W. */
  batteryCharge: number;
  /** Power the charge controller's load output draws from the battery, W. */
  batteryLoad: number;
  /** Household power without the heat pump, W. */
  house: number;
  /** Heat-pump electrical power (all heat pumps together), W. */
  heatpump: number;
  /** Battery state of charge, %, when known. */
  soc?: number;
}

export interface SiteBalance {
  pv_power_w: number;
  consumption_w: number;
  house_power_w: number;
  heatpump_power_w: number;
  /** + charging, − discharging. */
  battery_power_w: number;
  battery_charge_w: number;
  battery_discharge_w: number;
  battery_soc_pct?: number;
  grid_import_w: number;
  grid_export_w: number;
  /** PV used on site (by the loads or the battery): production − export. */
  self_consumption_w: number;
  /** Production − consumption; negative when the house needs more than the sun gives. */
  surplus_w: number;
  /** Heat pump / consumption, %; 0 when nothing is consumed. */
  heatpump_share_pct: number;
}

const r1 = (v: number): number => Math.round(v * 10) / 10;

export function siteBalance(r: SiteReadings): SiteBalance {
  const consumption = r.house + r.heatpump + r.batteryLoad;
  const battery = r.batteryCharge - r.batteryLoad;
  // What the site needs from outside (> 0) or has left over (< 0) once the battery took its share.
  const net = consumption + battery - r.pv;
  const gridImport = Math.max(0, net);
  const gridExport = Math.max(0, -net);
  return {
    pv_power_w: r1(r.pv),
    consumption_w: r1(consumption),
    house_power_w: r1(r.house),
    heatpump_power_w: r1(r.heatpump),
    battery_power_w: r1(battery),
    battery_charge_w: r1(Math.max(0, battery)),
    battery_discharge_w: r1(Math.max(0, -battery)),
    ...(r.soc !== undefined ? { battery_soc_pct: r1(r.soc) } : {}),
    grid_import_w: r1(gridImport),
    grid_export_w: r1(gridExport),
    self_consumption_w: r1(r.pv - gridExport),
    surplus_w: r1(r.pv - consumption),
    heatpump_share_pct: consumption > 0 ? r1((100 * r.heatpump) / consumption) : 0,
  };
}
