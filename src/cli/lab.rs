//! `vrrplab lab run|up|down`: scenarios on real network namespaces (root).

use super::Status;
use clap::Subcommand;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: LabCommand,
}

#[derive(Subcommand, Debug)]
pub enum LabCommand {
    /// Remove the namespaces and files that killed lab runs left behind
    Down(DownArgs),
}

#[derive(clap::Args, Debug)]
pub struct DownArgs {
    /// Also remove labs whose process is still running
    #[arg(long)]
    pub all: bool,
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    match args.command {
        LabCommand::Down(a) => down(a),
    }
}

fn down(args: DownArgs) -> anyhow::Result<Status> {
    for name in crate::lab::cleanup::down(args.all)? {
        println!("removed {name}");
    }
    Ok(Status::Ok)
}
