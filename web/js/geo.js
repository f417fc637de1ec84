// The 38 provinces (Kemendagri codes), as in shared/data/provinces.json (the end-to-end
// test checks that the two lists agree). Regencies and cities come from GET /v1/regions;
// a report's location carries their names.
export const PROVINCES = [
  ["11", "Aceh"],
  ["12", "Sumatera Utara"],
  ["13", "Sumatera Barat"],
  ["14", "Riau"],
  ["15", "Jambi"],
  ["16", "Sumatera Selatan"],
  ["17", "Bengkulu"],
  ["18", "Lampung"],
  ["19", "Kepulauan Bangka Belitung"],
  ["21", "Kepulauan Riau"],
  ["31", "DKI Jakarta"],
  ["32", "Jawa Barat"],
  ["33", "Jawa Tengah"],
  ["34", "DI Yogyakarta"],
  ["35", "Jawa Timur"],
  ["36", "Banten"],
  ["51", "Bali"],
  ["52", "Nusa Tenggara Barat"],
  ["53", "Nusa Tenggara Timur"],
  ["61", "Kalimantan Barat"],
  ["62", "Kalimantan Tengah"],
  ["63", "Kalimantan Selatan"],
  ["64", "Kalimantan Timur"],
  ["65", "Kalimantan Utara"],
  ["71", "Sulawesi Utara"],
  ["72", "Sulawesi Tengah"],
  ["73", "Sulawesi Selatan"],
  ["74", "Sulawesi Tenggara"],
  ["75", "Gorontalo"],
  ["76", "Sulawesi Barat"],
  ["81", "Maluku"],
  ["82", "Maluku Utara"],
  ["91", "Papua"],
  ["92", "Papua Barat"],
  ["93", "Papua Selatan"],
  ["94", "Papua Tengah"],
  ["95", "Papua Pegunungan"],
  ["96", "Papua Barat Daya"],
];

/** A location in words: `Jawa Barat · Kota Bandung · Jl. Asia Afrika` (absent parts left out). */
export function locationText(loc) {
  if (!loc) return '–';
  const p = PROVINCES.find(([c]) => c === loc.province_code);
  const province = loc.province_name || (p ? p[1] : loc.province_code);
  const regency = loc.regency_name || loc.regency_code;
  return [province, regency, loc.address].filter(Boolean).join(' · ');
}
