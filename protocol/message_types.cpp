#include "protocol/message_types.hpp"

#include "protocol/actors.hpp"
#include "protocol/error.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/all.hpp>

namespace skyhaul {

void announce_message_types(caf::actor_system_config& cfg) {
  // The type-ID block, by the names it gives (e.g. "skyhaul::task_spec").
  cfg.add_message_types<caf::id_block::skyhaul>();
  // Outside the block: what a message of the published interface holds
  // besides. add_message_type also announces std::vector<T>, which is how
  // batches of specs go.
  cfg.add_message_type<task_spec>("skyhaul::task_spec");
  cfg.add_message_type<std::vector<task_seq>>("std::vector<skyhaul::task_seq>");
  cfg.add_message_type<event_listener_actor>("skyhaul::event_listener_actor");
  cfg.add_message_type<remote_api_actor>("skyhaul::remote_api_actor");
  // Errors cross as code, category and message; this renders them.
  cfg.add_error_category(caf::atom("skyhaul"),
                         [](uint8_t code, caf::atom_value,
                            const caf::message& ctx) {
                           std::string out = "skyhaul:";
                           out += to_string(static_cast<ec>(code));
                           if (ctx.size() == 1
                               && ctx.match_element<std::string>(0))
                             out += ": " + ctx.get_as<std::string>(0);
                           return out;
                         });
}

} // namespace skyhaul
