"""Lanner's core task types, registered under Kestra's names by the `lanner.tasks` entry point."""

from __future__ import annotations

from lanner.tasks.base import Task


def core_task_types() -> list[type[Task]]:
    """List every core task type; the entry point `lanner.tasks:core` calls this."""
    from lanner.tasks import execution, http, kv, namespace_files
    from lanner.tasks.fail import Fail
    from lanner.tasks.flow.dag import Dag
    from lanner.tasks.flow.each import EachParallel, EachSequential
    from lanner.tasks.flow.for_each import ForEach
    from lanner.tasks.flow.for_each_item import ForEachItem
    from lanner.tasks.flow.for_each_item_steps import ForEachItemMerge, ForEachItemSplit
    from lanner.tasks.flow.if_task import If
    from lanner.tasks.flow.parallel import Parallel
    from lanner.tasks.flow.pause import Pause
    from lanner.tasks.flow.sequential import AllowFailure, Sequential
    from lanner.tasks.flow.sleep import Sleep
    from lanner.tasks.flow.subflow import Subflow
    from lanner.tasks.flow.switch import Switch
    from lanner.tasks.flow.wait_for import WaitFor
    from lanner.tasks.flow.working_directory import WorkingDirectory
    from lanner.tasks.log import Echo, Log
    from lanner.tasks.outputs import OutputValues, Return
    from lanner.tasks.scripts import python, shell

    return [
        Log,
        Echo,
        OutputValues,
        Return,
        Fail,
        Sleep,
        Sequential,
        AllowFailure,
        Parallel,
        ForEach,
        EachSequential,
        EachParallel,
        If,
        Switch,
        Dag,
        WaitFor,
        Pause,
        Subflow,
        ForEachItem,
        ForEachItemSplit,
        ForEachItemMerge,
        WorkingDirectory,
        execution.Labels,
        execution.Resume,
        execution.Exit,
        kv.Set,
        kv.Get,
        kv.GetKeys,
        kv.Delete,
        namespace_files.UploadFiles,
        namespace_files.DownloadFiles,
        namespace_files.DeleteFiles,
        http.Request,
        http.Download,
        shell.Commands,
        shell.Script,
        python.Commands,
        python.Script,
    ]
