//! The read models: two projectors (`cases` and `statistics`) and the query functions over
//! their trees, one module per model.

pub mod agency_dossier;
pub mod case_file;
pub mod case_index;
pub mod cases;
pub mod deadline_board;
pub mod erasure_desk;
pub mod log_tree;
pub mod office_stats;
pub mod statistics;
pub mod work_queue;
