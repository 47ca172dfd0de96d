// The coffer subcommands. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace coffer::app {

int ServerCommand(const std::vector<std::string>& args);
int AdminCommand(const std::vector<std::string>& args);

}  // namespace coffer::app
