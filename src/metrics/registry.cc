#include "metrics/registry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace coffer::metrics {
namespace {

// {name="value",...} into `out` (replacing what it held); label values escape
// backslash, double quote and newline.
template <typename LabelList>
void EncodeInto(std::string& out, const LabelList& labels, std::string_view extra_name = "",
                std::string_view extra_value = "") {
  out.clear();
  auto add = [&](std::string_view n, std::string_view v) {
    out += out.empty() ? "{" : ",";
    out += n;
    out += "=\"";
    for (char c : v) {
      if (c == '\\') out += "\\\\";
      else if (c == '"') out += "\\\"";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    out += '"';
  };
  for (const auto& [n, v] : labels) add(n, v);
  if (!extra_name.empty()) add(extra_name, extra_value);
  if (!out.empty()) out += '}';
}

std::string Encode(const Labels& labels, std::string_view extra_name = "",
                   std::string_view extra_value = "") {
  std::string out;
  EncodeInto(out, labels, extra_name, extra_value);
  return out;
}

// A lookup key for the hash maps (Debian's abseil has a string_view of its own).
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// A hash map's entries in key order: the exposition lists families and series sorted.
template <typename Map>
std::vector<const typename Map::value_type*> InKeyOrder(const Map& map) {
  std::vector<const typename Map::value_type*> out;
  out.reserve(map.size());
  for (const auto& entry : map) out.push_back(&entry);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->first < b->first; });
  return out;
}

// The series key of `labels`, in a buffer each thread reuses: an update to a series
// that exists allocates nothing.
std::string_view SeriesKey(LabelViews labels) {
  thread_local std::string key;
  EncodeInto(key, labels);
  return key;
}

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.9g", v);
  }
  return buf;
}

const char* TypeName(Type t) {
  switch (t) {
    case Type::kCounter: return "counter";
    case Type::kGauge: return "gauge";
    case Type::kHistogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

void Registry::Declare(std::string name, Type type, std::string help, std::vector<double> buckets) {
  std::lock_guard lock(mu_);
  auto [it, added] = families_.try_emplace(std::move(name));
  if (!added) return;
  it->second.type = type;
  it->second.help = std::move(help);
  it->second.buckets = std::move(buckets);
}

Registry::Series* Registry::Find(std::string_view name, LabelViews labels, Type type) {
  auto it = families_.find(Sv(name));
  if (it == families_.end() || it->second.type != type) {
    auto undeclared = families_.find("coffer_metrics_undeclared_total");
    if (undeclared != families_.end()) undeclared->second.series[""].value += 1;
    return nullptr;
  }
  Family& f = it->second;
  const std::string_view key = SeriesKey(labels);
  if (auto s = f.series.find(Sv(key)); s != f.series.end()) return &s->second;
  Series& added = f.series[std::string(key)];
  for (const auto& [n, v] : labels) added.labels.emplace_back(n, v);
  if (type == Type::kHistogram) added.bins.assign(f.buckets.size(), 0);
  return &added;
}

void Registry::Add(std::string_view name, LabelViews labels, double v) {
  std::lock_guard lock(mu_);
  if (Series* s = Find(name, labels, Type::kCounter)) s->value += v;
}

void Registry::Set(std::string_view name, LabelViews labels, double v) {
  std::lock_guard lock(mu_);
  if (Series* s = Find(name, labels, Type::kGauge)) s->value = v;
}

void Registry::Observe(std::string_view name, LabelViews labels, double value) {
  std::lock_guard lock(mu_);
  Series* s = Find(name, labels, Type::kHistogram);
  if (!s) return;
  const auto& bounds = families_.find(Sv(name))->second.buckets;
  size_t i = std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin();
  if (i < s->bins.size()) ++s->bins[i];
  ++s->count;
  s->value += value;
}

double Registry::Value(std::string_view name, LabelViews labels) const {
  std::lock_guard lock(mu_);
  auto it = families_.find(Sv(name));
  if (it == families_.end()) return 0;
  auto s = it->second.series.find(Sv(SeriesKey(labels)));
  return s == it->second.series.end() ? 0 : s->second.value;
}

std::string Registry::Exposition() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto* family : InKeyOrder(families_)) {
    const auto& [name, f] = *family;
    out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + " " + TypeName(f.type) + "\n";
    for (const auto* series : InKeyOrder(f.series)) {
      const auto& [encoded, s] = *series;
      if (f.type != Type::kHistogram) {
        out += name + encoded + " " + Number(s.value) + "\n";
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i < f.buckets.size(); ++i) {
        cumulative += s.bins[i];
        out += name + "_bucket" + Encode(s.labels, "le", Number(f.buckets[i])) + " " +
               std::to_string(cumulative) + "\n";
      }
      out += name + "_bucket" + Encode(s.labels, "le", "+Inf") + " " + std::to_string(s.count) +
             "\n";
      out += name + "_sum" + encoded + " " + Number(s.value) + "\n";
      out += name + "_count" + encoded + " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

Registry& Global() {
  static Registry* registry = [] {
    auto* r = new Registry;
    r->Declare("coffer_metrics_undeclared_total", Type::kCounter,
               "Updates to metric families nobody declared (a bug).");
    return r;
  }();
  return *registry;
}

std::vector<double> LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace coffer::metrics
